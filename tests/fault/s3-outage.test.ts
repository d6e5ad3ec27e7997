import { afterEach, describe, expect, it } from 'vitest';
import { pollUntil } from '../../shared/retry/index.ts';
import {
  dataObjectKeys,
  expectExactlyOneOfEach,
  onedataObjectsNamed,
  readState,
  SAMPLE_METADATA,
  uniqueName,
  uploadDataset,
  waitForStatus,
} from '../helpers/datasets.ts';
import { control, getText, s3Client, stackInfo, waitForQueuesIdle } from '../helpers/stack-client.ts';

/**
 * Ceph RGW restarted in the middle of a batch: state writes and write-backs fail for a moment,
 * jobs come back through the queue, and every dataset still ends provisioned exactly once.
 * Guards: the retries of S3 work (the SDK's, the saga's record writes, the queue's redelivery
 * with the lease expiring) — proven to be exercised, not only the end state.
 */
const info = stackInfo();
const s3 = s3Client(info);

describe('S3 outage in the middle of a batch', () => {
  it('every dataset of the batch ends provisioned, once, with the operator file intact', async () => {
    const names = Array.from({ length: 8 }, () => uniqueName('Outage'));
    await control('POST', '/sim', { propagationDelayMs: 2000 });
    // The jobs wait on the queue, then the functions start on them and the gateway goes away under them.
    await control('POST', '/pause');
    let prefixes: string[];
    try {
      prefixes = await Promise.all(names.map((n) => uploadDataset(s3, n, { files: 1 })));
    } finally {
      await control('POST', '/resume');
    }
    // Restart only once runs of the batch are under way (records leased) and none is done yet:
    // the sagas then wait P = 2 s for the provider while renewing their leases (a record PUT every
    // ~1.7 s each), the queued jobs start (record reads and writes), and steps and write-backs
    // follow, all against S3. The restart itself starts under one of those requests.
    await control('POST', '/s3/attempts/clear');
    await pollUntil(
      async () => {
        const states = await Promise.all(prefixes.map((p) => readState(s3, p)));
        const running = states.filter((st) => st?.lease && st.status === 'provisioning').length;
        return running >= 1 && !states.some((st) => st?.status === 'provisioned') ? true : undefined;
      },
      { deadlineMs: 30_000, initialDelayMs: 20, maxDelayMs: 50, description: 'runs of the batch under way, none done' },
    );
    // The restart starts under the functions' next S3 request, which is sent while the gateway is down.
    const { startedAt: restartAt, endedAt: restartedAt } = (await control('POST', '/s3/restart-under-next-request')) as { startedAt: number; endedAt: number };
    const midBatch = await Promise.all(prefixes.map((p) => readState(s3, p)));
    for (const p of prefixes) await waitForStatus(s3, p, ['provisioned'], 90_000);
    await waitForQueuesIdle();
    // The restart hit the batch: the functions' S3 requests failed while the gateway was down, and
    // the work was retried — by the SDK (a command that needed more than one attempt) or by the
    // queue (a job delivered again: a run started with receive ≥ 2).
    const attempts = (await control('GET', '/s3/attempts')) as { failed: { at: number }[]; retried: { at: number; attempts: number }[] };
    const failedDuringRestart = attempts.failed.filter((f) => f.at >= restartAt && f.at <= restartedAt + 1000);
    expect(failedDuringRestart.length, 'S3 requests of the functions failed during the restart').toBeGreaterThan(0);
    const retried = attempts.retried.filter((r) => r.at >= restartAt);
    const finals = await Promise.all(prefixes.map((p) => readState(s3, p)));
    const redelivered = finals.filter((st) => st!.history.some((h) => h.event === 'run started' && /receive [2-9]/.test(h.detail ?? '')));
    expect(retried.length + redelivered.length, 'an S3 call retried or a job redelivered').toBeGreaterThan(0);
    // And the restart landed mid-batch: right after it, some dataset was not yet provisioned.
    expect(midBatch.some((st) => st?.status !== 'provisioned')).toBe(true);
    for (const [i, n] of names.entries()) {
      expectExactlyOneOfEach(await onedataObjectsNamed(n), { dataObjects: dataObjectKeys(prefixes[i]!, 1) });
      const text = await getText(s3, `${prefixes[i]}/SPA.yml`);
      expect(text.startsWith(SAMPLE_METADATA)).toBe(true);
    }
  });

  afterEach(async () => {
    await control('POST', '/sim', { propagationDelayMs: 100 });
  });
});
