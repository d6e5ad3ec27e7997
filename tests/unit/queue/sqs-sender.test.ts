import { SendMessageBatchCommand, SQSClient, type SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../../shared/queue/jobs.ts';
import { MAX_BATCHES_IN_FLIGHT, packBatches, sendJobs } from '../../../shared/queue/sqs-sender.ts';

/**
 * sendJobs' batching and resend logic (pure logic over the SQS client: the client is mocked).
 * Each test names the logic it guards; each was shown to fail with that logic removed.
 */
const sqs = new SQSClient({ region: 'eu-central-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test-secret' } });
const mock = mockClient(sqs);
const URL_ = 'https://sqs.local/import';

afterEach(() => mock.reset());

const job = (i: number, pad = 0): Job =>
  ({
    type: 'import-listing',
    dataset: { bucket: 'facility', prefix: `datasets/R${i}`, name: `R${i}`, id: `id${i}` },
    dedupKey: `k${i}`,
    correlationId: 'x'.repeat(pad),
  }) as unknown as Job;
const sentBodies = (): string[][] =>
  mock.commandCalls(SendMessageBatchCommand).map((c) => (c.args[0].input as SendMessageBatchCommandInput).Entries!.map((e) => e.MessageBody!));

describe('sendJobs', () => {
  it('sends 25 jobs as 3 batches of at most 10, every job exactly once', async () => {
    // Guards: packBatches' 10-entry limit and the workers taking each batch once.
    mock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const jobs = Array.from({ length: 25 }, (_, i) => job(i));
    expect(await sendJobs(sqs, URL_, jobs)).toBe(25);
    const batches = sentBodies();
    expect(batches.map((b) => b.length).sort()).toEqual([10, 10, 5]);
    expect(
      batches
        .flat()
        .map((b) => JSON.parse(b).dedupKey)
        .sort(),
    ).toEqual(jobs.map((j) => (j as { dedupKey: string }).dedupKey).sort());
    for (const c of mock.commandCalls(SendMessageBatchCommand)) expect(c.args[0].input.QueueUrl).toBe(URL_);
  });

  it("keeps a batch under SQS's 256 KiB", () => {
    // Guards: the byte limit of packBatches (10 bodies of 40 KiB would be 400 KiB).
    const bodies = Array.from({ length: 10 }, (_, i) => JSON.stringify(job(i, 40 * 1024)));
    const batches = packBatches(bodies);
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) expect(b.reduce((a, x) => a + Buffer.byteLength(x), 0)).toBeLessThanOrEqual(256 * 1024);
    expect(batches.flat()).toEqual(bodies);
  });

  it('resends only the entries SQS reported as failed, until they are accepted', async () => {
    // Guards: the partial-failure resend (only failed Ids, never the whole batch: no duplicates).
    mock
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [{ Id: '0', MessageId: 'm0', MD5OfMessageBody: '' }],
        Failed: [
          { Id: '1', Code: 'InternalError', SenderFault: false },
          { Id: '2', Code: 'InternalError', SenderFault: false },
        ],
      })
      .resolvesOnce({ Successful: [{ Id: '1', MessageId: 'm1', MD5OfMessageBody: '' }], Failed: [{ Id: '2', Code: 'InternalError', SenderFault: false }] })
      .resolves({ Successful: [{ Id: '2', MessageId: 'm2', MD5OfMessageBody: '' }], Failed: [] });
    await sendJobs(sqs, URL_, [job(0), job(1), job(2)]);
    const ids = mock.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input.Entries!.map((e) => e.Id));
    expect(ids).toEqual([['0', '1', '2'], ['1', '2'], ['2']]);
  });

  it('a sender fault (a malformed entry) is not retried: the error reaches the caller', async () => {
    // Guards: no retry of what cannot succeed (the job then fails and goes back to its queue).
    mock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [{ Id: '0', Code: 'InvalidMessageContents', SenderFault: true }] });
    await expect(sendJobs(sqs, URL_, [job(0)])).rejects.toThrow(/InvalidMessageContents/);
    expect(mock.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });

  it('concurrent one-job calls (one-record deliveries) share SendMessageBatch calls, each acknowledged only once its job is queued', async () => {
    // Guards: the micro-batcher (entries collect while MAX_BATCHES_IN_FLIGHT batches are in
    // flight) and "resolve only after SQS accepted the entry".
    let release: (() => void) | undefined;
    const gate = new Promise<void>((r) => (release = r));
    let calls = 0;
    mock.on(SendMessageBatchCommand).callsFake(async (input: SendMessageBatchCommandInput) => {
      calls++;
      if (calls <= MAX_BATCHES_IN_FLIGHT) await gate;
      return { Successful: input.Entries!.map((e) => ({ Id: e.Id!, MessageId: `m${e.Id}`, MD5OfMessageBody: '' })), Failed: [] };
    });
    const settled: boolean[] = [];
    // Deliveries arriving one by one on an idle container go out at once, one job each (no
    // waiting for company); here they hang on the gate.
    const first: Promise<void>[] = [];
    for (let i = 0; i < MAX_BATCHES_IN_FLIGHT; i++) {
      first.push(sendJobs(sqs, URL_, [job(i)]).then(() => void (settled[i] = true)));
      await new Promise((r) => setTimeout(r, 1));
      expect(calls).toBe(i + 1);
    }
    // 36 more deliveries arrive while those are in flight: they wait and are packed together.
    const later = Array.from({ length: 36 }, (_, k) => sendJobs(sqs, URL_, [job(100 + k)]).then(() => void (settled[100 + k] = true)));
    await new Promise((r) => setTimeout(r, 5));
    expect(settled.filter(Boolean)).toHaveLength(0);
    expect(calls).toBe(MAX_BATCHES_IN_FLIGHT);
    release!();
    await Promise.all([...first, ...later]);
    const sizes = sentBodies().map((b) => b.length);
    expect(sizes.slice(0, MAX_BATCHES_IN_FLIGHT)).toEqual(Array(MAX_BATCHES_IN_FLIGHT).fill(1));
    expect(sizes.slice(MAX_BATCHES_IN_FLIGHT)).toEqual([10, 10, 10, 6]);
    expect(sentBodies().flat()).toHaveLength(40);
  });

  it("in a shared batch, a sender fault fails only its own caller; a resent entry's caller waits for the resend", async () => {
    // Guards: per-entry outcomes of a shared batch.
    mock.on(SendMessageBatchCommand).callsFake(async (input: SendMessageBatchCommandInput) => {
      const entries = input.Entries!;
      const failed = entries.flatMap((e) => {
        const key = JSON.parse(e.MessageBody!).dedupKey as string;
        if (key === 'k1') return [{ Id: e.Id!, Code: 'InvalidMessageContents', SenderFault: true }];
        // k2 fails once (the first time it is sent), transiently.
        if (key === 'k2' && entries.length > 1) return [{ Id: e.Id!, Code: 'InternalError', SenderFault: false }];
        return [];
      });
      return {
        Successful: entries.filter((e) => !failed.some((f) => f.Id === e.Id)).map((e) => ({ Id: e.Id!, MessageId: 'm', MD5OfMessageBody: '' })),
        Failed: failed,
      };
    });
    const [a, b, c] = await Promise.allSettled([sendJobs(sqs, URL_, [job(0)]), sendJobs(sqs, URL_, [job(1)]), sendJobs(sqs, URL_, [job(2)])]);
    expect([a.status, b.status, c.status]).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((b as PromiseRejectedResult).reason)).toMatch(/InvalidMessageContents/);
    // One shared batch, then the resend of k2 alone.
    expect(sentBodies().map((x) => x.map((y) => JSON.parse(y).dedupKey))).toEqual([['k0', 'k1', 'k2'], ['k2']]);
  });

  it('a transient error of the whole call is retried; a lasting one is thrown after the retries', async () => {
    // Guards: the retry of transient SQS errors (5xx, connection errors) and its limit.
    const unavailable = Object.assign(new Error('ServiceUnavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
    mock.on(SendMessageBatchCommand).rejectsOnce(unavailable).resolves({ Successful: [], Failed: [] });
    await sendJobs(sqs, URL_, [job(0)]);
    expect(mock.commandCalls(SendMessageBatchCommand)).toHaveLength(2);
    mock.reset();
    const denied = Object.assign(new Error('AccessDenied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    mock.on(SendMessageBatchCommand).rejects(denied);
    await expect(sendJobs(sqs, URL_, [job(0)])).rejects.toThrow(/AccessDenied/);
    expect(mock.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });
});
