import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../shared/retry/index.ts';
import { onedataObjectsNamed, readState, uniqueName, uploadDataset, waitForStatus } from '../helpers/datasets.ts';
import { control, s3Client, stackInfo, waitForQueuesIdle } from '../helpers/stack-client.ts';

const info = stackInfo();
const s3 = s3Client(info);
const WINDOW_SECONDS = 8;

/** RGW-shaped records, as the webhook receives them (one body may carry many). */
function rgwBody(keys: string[]): string {
  return JSON.stringify({
    Records: keys.map((key, i) => ({
      eventVersion: '2.2',
      eventSource: 'ceph:s3',
      awsRegion: '',
      eventTime: new Date().toISOString(),
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: info.bucket }, object: { key, size: 10, eTag: `etag${i}`, sequencer: `${Date.now().toString(16)}${i}` } },
      opaqueData: info.webhookToken,
    })),
  });
}

describe('import in posix mode (coalesced storage-import scans)', () => {
  beforeAll(async () => {
    await control('POST', '/config', { storageMode: 'posix', import: { coalesceWindowSeconds: WINDOW_SECONDS } });
  });
  afterAll(async () => {
    await control('POST', '/config', {});
  });

  it('provisions an imported POSIX storage with auto import', async () => {
    const name = uniqueName('Posix_Prov');
    const prefix = await uploadDataset(s3, name, { files: 1 });
    await waitForStatus(s3, prefix, ['provisioned']);
    const o = await onedataObjectsNamed(name);
    expect(o.storages[0]).toMatchObject({ type: 'posix', importedStorage: true, readonly: true });
    expect(o.storages[0].params.mountPoint).toBe(`/volumes/facility/${prefix}`);
    expect(o.supports[0]).toMatchObject({ importMode: 'auto' });
  });

  it('turns 1,000 data events within a window into at most 2 force-starts, the last one after the last event', async () => {
    const name = uniqueName('Posix_Burst');
    const prefix = await uploadDataset(s3, name, { files: 1 });
    const state = await waitForStatus(s3, prefix, ['provisioned']);
    await waitForQueuesIdle();
    const spaceId = state.outputs.spaceId!;
    const t0 = Date.now();
    for (let b = 0; b < 10; b++) {
      const keys = Array.from({ length: 100 }, (_, i) => `${prefix}/data/grid${b}/frame_${i}.tiff`);
      const res = await fetch(`${info.functionsUrl}/function/on-object-event`, {
        method: 'POST',
        body: rgwBody(keys),
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(202);
    }
    const lastEvent = Date.now();
    // The premise: all 1,000 events arrived within one coalescing window.
    expect(lastEvent - t0).toBeLessThan(WINDOW_SECONDS * 1000);
    // The schedule is an SQS message delayed to the end of the window: wait until it has run.
    await pollUntil(
      async () => {
        const s = await readState(s3, prefix);
        const started = s?.import.scan?.startedAt ? Date.parse(s.import.scan.startedAt) : 0;
        return started >= lastEvent && !s?.import.scan?.scheduledFor ? true : undefined;
      },
      { deadlineMs: 30_000, initialDelayMs: 100, maxDelayMs: 500, description: 'the scan after the last event' },
    );
    await waitForQueuesIdle();
    const requests = (await (await fetch(`${info.onedataUrl}/_sim/requests`)).json()) as any[];
    const starts = requests.filter(
      (r) =>
        r.method === 'POST' && r.path.endsWith(`/spaces/${spaceId}/storage-import/auto/force-start`) && r.status >= 200 && r.status < 300 && r.startedAt >= t0,
    );
    expect(starts.length).toBeGreaterThanOrEqual(1);
    expect(starts.length).toBeLessThanOrEqual(2);
    expect(Math.max(...starts.map((r) => r.startedAt))).toBeGreaterThanOrEqual(lastEvent);
    const after = await readState(s3, prefix);
    expect(after!.import.scan!.status).toBeDefined();
  });
});
