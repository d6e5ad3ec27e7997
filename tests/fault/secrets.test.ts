import { describe, expect, it } from 'vitest';
import { uniqueName, uploadDataset, waitForStatus } from '../helpers/datasets.ts';
import { capturedLogs, getText, listKeys, s3Client, stackInfo, waitForQueuesIdle } from '../helpers/stack-client.ts';

/**
 * Secrets never reach the logs: the stack runs with recognisable secrets (S3 secret key, Onedata
 * token, webhook token) and every invite token it creates is read back from the records; after
 * successful, failing and unauthenticated traffic, every captured log line of the run is searched.
 */
const info = stackInfo();
const s3 = s3Client(info);

describe('secrets in logs', () => {
  it('no log line of the run contains a token or key', async () => {
    expect(info.onedataToken).toMatch(/^TEST-ONEDATA-TOKEN-/);
    const ok = await uploadDataset(s3, uniqueName('Secret_ok'), { files: 2 });
    const bad = await uploadDataset(s3, uniqueName('Secret_bad'), { files: 0, metadata: 'a: [' });
    await waitForStatus(s3, ok, ['provisioned']);
    await waitForStatus(s3, bad, ['failed']);
    // An unauthenticated delivery whose body carries the webhook token must not be logged.
    await fetch(`${info.functionsUrl}/function/on-object-event`, {
      method: 'POST',
      body: JSON.stringify({
        Records: [
          {
            eventSource: 'ceph:s3',
            eventName: 'ObjectCreated:Put',
            s3: { bucket: { name: info.bucket }, object: { key: 'datasets/x/SPA.yml' } },
            opaqueData: `${info.webhookToken}-wrong`,
          },
        ],
      }),
    });
    await waitForQueuesIdle();

    const inviteTokens: string[] = [];
    for (const key of await listKeys(s3, '.s3od/state/')) {
      const st = JSON.parse(await getText(s3, key));
      if (st.outputs?.inviteToken) inviteTokens.push(st.outputs.inviteToken);
    }
    expect(inviteTokens.length).toBeGreaterThan(0);
    const secrets = [info.secretAccessKey, info.onedataToken, info.webhookToken, ...inviteTokens];
    const lines = await capturedLogs();
    expect(lines.length).toBeGreaterThan(20);
    const leaks = lines.filter((l) => secrets.some((s) => l.includes(s)));
    expect(leaks).toEqual([]);
    // And the redaction is not hiding everything: ids still show.
    expect(lines.some((l) => l.includes('dataset provisioned') && l.includes('spaceId'))).toBe(true);
  });
});
