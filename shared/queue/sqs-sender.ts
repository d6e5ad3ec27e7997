import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { withRetry } from '../retry/index.ts';
import type { Job } from './jobs.ts';

/** SQS allows 10 entries and 256 KiB per SendMessageBatch. */
const MAX_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024 - 1024;

export class QueueSendError extends Error {
  override name = 'QueueSendError';
  constructor(message: string, readonly failedCount: number, options?: ErrorOptions) {
    super(message, options);
  }
}

function isTransientSqsError(err: unknown): boolean {
  if (err instanceof QueueSendError) return true;
  const e = err as { $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: string; name?: string };
  const status = e?.$metadata?.httpStatusCode;
  return Boolean(e?.$retryable) || (status !== undefined && status >= 500) || ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE'].includes(e?.code ?? '') || e?.name === 'TimeoutError';
}

/** Groups jobs into as few SendMessageBatch calls as the limits allow. */
export function packBatches(bodies: string[]): string[][] {
  const batches: string[][] = [];
  let cur: string[] = [];
  let bytes = 0;
  for (const b of bodies) {
    const size = Buffer.byteLength(b);
    if (cur.length && (cur.length === MAX_ENTRIES || bytes + size > MAX_BATCH_BYTES)) {
      batches.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(b);
    bytes += size;
  }
  if (cur.length) batches.push(cur);
  return batches;
}

/**
 * Sends jobs to one queue in batches; entries SQS reports as failed are resent (only those), with
 * backoff, so one bad moment of the queue does not lose or duplicate a whole batch.
 */
export async function sendJobs(sqs: SQSClient, queueUrl: string, jobs: Job[], concurrency = 4): Promise<number> {
  const batches = packBatches(jobs.map((j) => JSON.stringify(j)));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      let pending = batch.map((body, i) => ({ Id: String(i), MessageBody: body }));
      await withRetry(
        async () => {
          const res = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
          const failed = new Set((res.Failed ?? []).map((f) => f.Id));
          if (failed.size === 0) return;
          pending = pending.filter((e) => failed.has(e.Id));
          const senderFault = (res.Failed ?? []).find((f) => f.SenderFault);
          // A sender fault (e.g. a malformed entry) will not go away: not a QueueSendError, not retried.
          if (senderFault) throw new Error(`queue rejected a job: ${senderFault.Code} ${senderFault.Message ?? ''}`);
          throw new QueueSendError(`${failed.size} of ${batch.length} jobs not accepted by the queue`, failed.size);
        },
        { retries: 5, baseDelayMs: 100, maxDelayMs: 2000, isRetryable: isTransientSqsError },
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
  return batches.length;
}
