import { describe, expect, it } from 'vitest';
import { dataObjectKeys, readState, uniqueName, uploadDataset, waitForStatus, expectExactlyOneOfEach, onedataObjectsNamed } from '../helpers/datasets.ts';
import { control, s3Client, stackInfo, waitForQueuesIdle } from '../helpers/stack-client.ts';

/**
 * No dataset left behind: with the function endpoint down, RGW's non-persistent topic drops the
 * notifications. One reconciliation run afterwards provisions every dataset.
 */
const info = stackInfo();
const s3 = s3Client(info);

describe('reconciliation', () => {
  it('provisions 10 datasets whose notifications were lost, in one run, and costs nothing for done datasets', async () => {
    const base = `lost${Math.random().toString(16).slice(2, 6)}`;
    await control('POST', '/config', { watchedDirectories: ['datasets', base] });
    try {
      await control('POST', '/functions/down');
      const names = Array.from({ length: 10 }, () => uniqueName('Lost'));
      let prefixes: string[];
      try {
        prefixes = await Promise.all(names.map((n) => uploadDataset(s3, n, { files: 1, base })));
      } finally {
        await control('POST', '/functions/up');
      }
      await waitForQueuesIdle();
      for (const p of prefixes) expect(await readState(s3, p)).toBeUndefined();

      const invoke = async () => {
        const res = await fetch(`${info.functionsUrl}/2015-03-31/functions/reconcile/invocations`, {
          method: 'POST',
          body: JSON.stringify({ prefix: base }),
          headers: { authorization: `Bearer ${info.jobsToken}`, 'content-type': 'application/json' },
        });
        expect(res.headers.get('x-amz-function-error')).toBeNull();
        return res.json() as Promise<{ folders: number; enqueued: number; provisioned: number }>;
      };
      const first = await invoke();
      expect(first).toMatchObject({ folders: 10, enqueued: 10, provisioned: 0, listingsRequeued: 0 });
      for (const p of prefixes) await waitForStatus(s3, p, ['provisioned']);
      await waitForQueuesIdle();
      for (const [i, n] of names.entries()) expectExactlyOneOfEach(await onedataObjectsNamed(n), { dataObjects: dataObjectKeys(prefixes[i]!, 1) });

      // A second run finds them done: nothing enqueued, no Onedata call.
      const calls = ((await (await fetch(`${info.onedataUrl}/_sim/requests`)).json()) as unknown[]).length;
      const second = await invoke();
      expect(second).toMatchObject({ folders: 10, enqueued: 0, provisioned: 10 });
      expect(((await (await fetch(`${info.onedataUrl}/_sim/requests`)).json()) as unknown[]).length).toBe(calls);
    } finally {
      await control('POST', '/config', {});
    }
  });
});
