import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { RETRY_PRESETS, withRetry } from '../retry/index.ts';
import type { Job } from './jobs.ts';

/** SQS allows 10 entries and 256 KiB per SendMessageBatch. */
const MAX_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024 - 1024;

export class QueueSendError extends Error {
  override name = 'QueueSendError';
  constructor(
    message: string,
    readonly failedCount: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

function isTransientSqsError(err: unknown): boolean {
  if (err instanceof QueueSendError) return true;
  const e = err as { $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: string; name?: string };
  const status = e?.$metadata?.httpStatusCode;
  return (
    Boolean(e?.$retryable) ||
    (status !== undefined && status >= 500) ||
    ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE'].includes(e?.code ?? '') ||
    e?.name === 'TimeoutError'
  );
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

/** Batches of one queue in flight at once per client; entries that arrive meanwhile wait and share the next batches. */
export const MAX_BATCHES_IN_FLIGHT = 4;

interface Entry {
  body: string;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * The micro-batcher of one queue (per SQS client, so per container). Entries are sent at once
 * while fewer than MAX_BATCHES_IN_FLIGHT batches are under way, so an idle container adds no
 * delay; under load, entries of concurrent callers (e.g. Ceph RGW's one-record deliveries, each an
 * invocation of its own) collect while batches are in flight and go out together, up to 10 per
 * call. No timer: an entry waits at most for a batch in flight to come back.
 */
class QueueBatcher {
  private readonly pending: Entry[] = [];
  private inFlight = 0;
  private scheduled = false;
  constructor(
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  add(body: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ body, resolve, reject });
      // Entries added in the same tick (one caller's jobs, or callers that run together) are
      // packed together before the first batch leaves.
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => {
          this.scheduled = false;
          this.pump();
        });
      }
    });
  }

  private pump(): void {
    while (this.inFlight < MAX_BATCHES_IN_FLIGHT && this.pending.length) {
      const batch = this.take();
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        this.pump();
      });
    }
  }

  /** The next batch: as many pending entries as SQS's limits allow (10 entries, 256 KiB). */
  private take(): Entry[] {
    const batch: Entry[] = [];
    let bytes = 0;
    while (this.pending.length && batch.length < MAX_ENTRIES) {
      const size = Buffer.byteLength(this.pending[0]!.body);
      if (batch.length && bytes + size > MAX_BATCH_BYTES) break;
      batch.push(this.pending.shift()!);
      bytes += size;
    }
    return batch;
  }

  /**
   * Sends one batch; entries SQS reports as failed are resent (only those), with backoff. Each
   * entry's caller learns its own outcome: a sender fault (a malformed entry) fails that entry
   * alone, at once; an error of the whole call fails the entries still pending after the retries.
   */
  private async send(batch: Entry[]): Promise<void> {
    let pending = batch.map((e, i) => ({ Id: String(i), entry: e }));
    try {
      await withRetry(
        async () => {
          const res = await this.sqs.send(
            new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: pending.map((p) => ({ Id: p.Id, MessageBody: p.entry.body })) }),
          );
          const failed = new Map((res.Failed ?? []).map((f) => [f.Id, f]));
          for (const p of pending) if (!failed.has(p.Id)) p.entry.resolve();
          pending = pending.filter((p) => failed.has(p.Id));
          if (pending.length === 0) return;
          // A sender fault (e.g. a malformed entry) will not go away: not retried.
          for (const p of pending) {
            const f = failed.get(p.Id)!;
            if (f.SenderFault) p.entry.reject(new Error(`queue rejected a job: ${f.Code} ${f.Message ?? ''}`));
          }
          pending = pending.filter((p) => !failed.get(p.Id)!.SenderFault);
          if (pending.length === 0) return;
          throw new QueueSendError(`${pending.length} of ${batch.length} jobs not accepted by the queue`, pending.length);
        },
        { ...RETRY_PRESETS.queueSend, isRetryable: isTransientSqsError },
      );
    } catch (e) {
      for (const p of pending) p.entry.reject(e);
    }
  }
}

const batchers = new WeakMap<SQSClient, Map<string, QueueBatcher>>();

function batcherFor(sqs: SQSClient, queueUrl: string): QueueBatcher {
  let perQueue = batchers.get(sqs);
  if (!perQueue) batchers.set(sqs, (perQueue = new Map()));
  let b = perQueue.get(queueUrl);
  if (!b) perQueue.set(queueUrl, (b = new QueueBatcher(sqs, queueUrl)));
  return b;
}

/**
 * Sends jobs to one queue; resolves when the queue has accepted every one of them (so a delivery
 * is acknowledged only after its jobs are queued), rejects when any could not be queued. Jobs of
 * concurrent calls on the same client and queue share SendMessageBatch calls (see QueueBatcher);
 * a lone call's jobs go out at once, 10 per call. Returns the number of jobs sent.
 */
export async function sendJobs(sqs: SQSClient, queueUrl: string, jobs: Job[]): Promise<number> {
  if (!jobs.length) return 0;
  const b = batcherFor(sqs, queueUrl);
  await Promise.all(jobs.map((j) => b.add(JSON.stringify(j))));
  return jobs.length;
}
