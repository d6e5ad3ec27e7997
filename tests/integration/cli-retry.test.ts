import { afterAll, describe, expect, it } from 'vitest';
import { pollUntil } from '../../shared/retry/index.ts';
import type { DatasetState } from '../../shared/state/dataset-state.ts';
import { runCli, stackFileOf } from '../helpers/cli.ts';
import { expectExactlyOneOfEach, onedataObjectsNamed, readState, SAMPLE_METADATA, uniqueName, uploadDataset, waitForStatus } from '../helpers/datasets.ts';
import { control, drainQueue, putObject, queueDepth, s3Client, sqsClient, stackInfo } from '../helpers/stack-client.ts';

const info = stackInfo();
const s3 = s3Client(info);
const sqs = sqsClient(info);
const stack = ['--stack', stackFileOf(info)];

afterAll(async () => {
  await control('POST', '/resume');
  sqs.destroy();
});

/** Waits until the record has had `attempts` runs and no worker holds it. */
async function waitForAttempts(prefix: string, attempts: number, statuses: DatasetState['status'][]): Promise<DatasetState> {
  return pollUntil(
    async () => {
      const st = await readState(s3, prefix);
      return st && st.attempts >= attempts && statuses.includes(st.status) && !st.lease ? st : undefined;
    },
    { deadlineMs: 60_000, initialDelayMs: 100, maxDelayMs: 500, description: `${prefix}: attempt ${attempts}` },
  );
}

describe('s3od retry', () => {
  it('re-enqueues a failed dataset; the saga runs again from its record, and succeeds once the file is fixed', async () => {
    const name = uniqueName('CliRetry');
    // A YAML list as the root: rejected as bad input, nothing created in Onedata.
    const prefix = await uploadDataset(s3, name, { files: 1, metadata: '- Autoname: x\n- Instrument: Krios\n' });
    const failed = await waitForStatus(s3, prefix, ['failed']);
    expect(failed.attempts).toBe(1);
    expect(failed.failureReason).toMatch(/mapping|list/i);

    // --failed re-enqueues every failed dataset (narrowed to ours: the stack is shared).
    const r = await runCli(['retry', '--failed', '--prefix', prefix, ...stack]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^enqueued ${prefix} {2}\\(failed, 1 attempts so far; SPA\\.yml etag \\w+\\)$`, 'm'));
    expect(r.stdout).toMatch(/^1 provision job enqueued \(reason: retry\)$/m);
    const again = await waitForAttempts(prefix, 2, ['failed']);
    expect(again.attempts).toBe(2);
    const events = again.history.map((h) => `${h.event}|${h.detail ?? ''}`);
    const requested = events.findIndex((e) => e.startsWith('retry requested'));
    expect(requested).toBeGreaterThan(-1);
    expect(events.slice(requested).some((e) => /^run started\|.*reason retry/.test(e))).toBe(true);

    // The operator fixes the file while the event of that upload is lost (drained), then retries.
    await control('POST', '/pause');
    await putObject(s3, `${prefix}/SPA.yml`, SAMPLE_METADATA);
    const queue = info.queues.ProvisionQueue!;
    await pollUntil(async () => ((await queueDepth(sqs, queue)).visible > 0 ? true : undefined), {
      deadlineMs: 20_000,
      initialDelayMs: 50,
      maxDelayMs: 200,
      description: "the upload's provision job",
    });
    const lost = await drainQueue(sqs, queue);
    expect(lost).toEqual([expect.objectContaining({ reason: 'event', dataset: expect.objectContaining({ prefix }) })]);
    await control('POST', '/resume');

    const fixed = await runCli(['retry', `${prefix}/`, ...stack]);
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/failed, 2 attempts so far/);
    const done = await waitForAttempts(prefix, 3, ['provisioned']);
    expect(done.status).toBe('provisioned');
    expect(done.attempts).toBe(3);
    expectExactlyOneOfEach(await onedataObjectsNamed(name));
  });

  it('refuses a folder without a metadata file (exit 1) and a call without a target (exit 2)', async () => {
    const missing = await runCli(['retry', 'datasets/NoSuchDataset_retry', ...stack]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not enqueued: datasets\/NoSuchDataset_retry: no metadata file/);
    const usage = await runCli(['retry', ...stack]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/missing DATASET \(or --failed\)/);
  });
});
