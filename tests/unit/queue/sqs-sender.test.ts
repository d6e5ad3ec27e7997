import { SendMessageBatchCommand, SQSClient, type SendMessageBatchCommandInput } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { Job } from '../../../shared/queue/jobs.ts';
import { packBatches, sendJobs } from '../../../shared/queue/sqs-sender.ts';

/**
 * sendJobs' batching and resend logic (pure logic over the SQS client: the client is mocked).
 * Each test names the logic it guards; each was shown to fail with that logic removed.
 */
const sqs = new SQSClient({ region: 'eu-central-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test-secret' } });
const mock = mockClient(sqs);
const URL_ = 'https://sqs.local/import';

afterEach(() => mock.reset());

const job = (i: number, pad = 0): Job =>
  ({ type: 'import-listing', dataset: { bucket: 'facility', prefix: `datasets/R${i}`, name: `R${i}`, id: `id${i}` }, dedupKey: `k${i}`, correlationId: 'x'.repeat(pad) }) as unknown as Job;
const sentBodies = (): string[][] => mock.commandCalls(SendMessageBatchCommand).map((c) => (c.args[0].input as SendMessageBatchCommandInput).Entries!.map((e) => e.MessageBody!));

describe('sendJobs', () => {
  it('sends 25 jobs as 3 batches of at most 10, every job exactly once', async () => {
    // Guards: packBatches' 10-entry limit and the workers taking each batch once.
    mock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const jobs = Array.from({ length: 25 }, (_, i) => job(i));
    expect(await sendJobs(sqs, URL_, jobs)).toBe(3);
    const batches = sentBodies();
    expect(batches.map((b) => b.length).sort()).toEqual([10, 10, 5]);
    expect(batches.flat().map((b) => JSON.parse(b).dedupKey).sort()).toEqual(jobs.map((j) => (j as { dedupKey: string }).dedupKey).sort());
    for (const c of mock.commandCalls(SendMessageBatchCommand)) expect(c.args[0].input.QueueUrl).toBe(URL_);
  });

  it('keeps a batch under SQS\'s 256 KiB', () => {
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
      .resolvesOnce({ Successful: [{ Id: '0', MessageId: 'm0', MD5OfMessageBody: '' }], Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }, { Id: '2', Code: 'InternalError', SenderFault: false }] })
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
