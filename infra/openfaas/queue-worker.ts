import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import type { Logger } from '../../shared/log/index.ts';
import type { Metrics } from '../../shared/metrics/index.ts';

/**
 * s3od's queue worker for OpenFaaS: the event-source mapping that Lambda provides on AWS and
 * OpenFaaS CE lacks (it has no SQS connector; its NATS queue-worker does not retry in CE).
 *
 * For each queue → function mapping it long-polls the SQS-compatible queue (AWS SQS, ElasticMQ),
 * POSTs the batch to `<gateway>/function/<name>` as a Lambda SQS event with the real receipt
 * handles, and then — exactly as Lambda with ReportBatchItemFailures —
 * - 2xx with `{"batchItemFailures":[{itemIdentifier}]}`: deletes every other message;
 * - 2xx with no failures: deletes the batch;
 * - a failure id that is not in the batch, a non-2xx answer, a timeout or no answer: deletes
 *   nothing; the messages come back after the queue's visibility timeout, and the queue's redrive
 *   policy moves them to the dead-letter queue after maxReceiveCount deliveries.
 * It also invokes scheduled functions (reconcile) and reports queue depth as metrics.
 *
 * Stateless: run one replica, or more for throughput (SQS hands each message to one receiver).
 */
export interface QueueMapping {
  functionName: string;
  queueUrl: string;
  /** Messages per invocation (1..10), as `batchSize` in serverless.yml. */
  batchSize: number;
  /** Batches in flight at once, as `maximumConcurrency` in serverless.yml. */
  concurrency: number;
  /** The function's timeout; the HTTP call is abandoned 5 s after it. */
  timeoutSeconds: number;
}

export interface Schedule {
  functionName: string;
  everyMs: number;
  timeoutSeconds: number;
}

export interface QueueWorkerOptions {
  gatewayUrl: string;
  /** Sent as `Authorization: Bearer …` (S3OD_WEBHOOK_TOKEN). */
  token?: string | undefined;
  sqs: SQSClient;
  region: string;
  mappings: QueueMapping[];
  schedules?: Schedule[];
  /** ReceiveMessage long polling; 20 s in production. 0 = short polls with `idleDelayMs` between. */
  waitTimeSeconds?: number;
  idleDelayMs?: number;
  /** Queue depth metrics every this often (0 = never); extra queues (DLQs) by name. */
  depthIntervalMs?: number;
  depthQueues?: Record<string, string>;
  log: Logger;
  metrics?: Metrics;
  fetch?: typeof fetch;
}

/** Defaults for the two SQS-fed functions: keep in step with serverless.yml (tests/unit/deploy checks). */
export const DEFAULT_MAPPINGS: Record<'provision' | 'import', Omit<QueueMapping, 'queueUrl' | 'functionName'>> = {
  provision: { batchSize: 1, concurrency: 5, timeoutSeconds: 180 },
  import: { batchSize: 10, concurrency: 5, timeoutSeconds: 120 },
};

export interface InvokeResult {
  /** messageIds to leave on the queue. */
  failed: Set<string>;
  status: number | 'error';
}

/** `arn:aws:sqs:<region>:<account>:<name>` from a queue URL `…/<account>/<name>`. */
export function queueArnFromUrl(queueUrl: string, region: string): string {
  const parts = new URL(queueUrl).pathname.split('/').filter(Boolean);
  return `arn:aws:sqs:${region}:${parts[0] ?? '000000000000'}:${parts[1] ?? parts[0] ?? 'queue'}`;
}

function lambdaAttributes(attrs: Record<string, MessageAttributeValue> | undefined): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [k, v] of Object.entries(attrs ?? {})) {
    out[k] = {
      dataType: v.DataType ?? 'String',
      ...(v.StringValue !== undefined ? { stringValue: v.StringValue } : {}),
      ...(v.BinaryValue !== undefined ? { binaryValue: Buffer.from(v.BinaryValue).toString('base64') } : {}),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return out;
}

/** The Lambda SQS event record for a received message. */
export function toLambdaRecord(m: Message, arn: string, region: string): SQSRecord {
  const a = m.Attributes ?? {};
  return {
    messageId: m.MessageId!,
    receiptHandle: m.ReceiptHandle!,
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? '',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(a.MessageGroupId ? { MessageGroupId: a.MessageGroupId } : {}),
      ...(a.MessageDeduplicationId ? { MessageDeduplicationId: a.MessageDeduplicationId } : {}),
    },
    messageAttributes: lambdaAttributes(m.MessageAttributes),
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: arn,
    awsRegion: region,
  };
}

/** Lambda's reading of a function response (ReportBatchItemFailures). */
export function failedIds(records: SQSRecord[], status: number, payload: string): Set<string> {
  const all = new Set(records.map((r) => r.messageId));
  if (status < 200 || status >= 300) return all;
  let parsed: unknown;
  try {
    parsed = payload.trim() ? JSON.parse(payload) : null;
  } catch {
    return all;
  }
  const failures = (parsed as { batchItemFailures?: unknown })?.batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return all;
  const out = new Set<string>();
  for (const f of failures) {
    const id = (f as { itemIdentifier?: unknown })?.itemIdentifier;
    // An empty or unknown identifier fails the whole batch, as on Lambda.
    if (typeof id !== 'string' || !all.has(id)) return all;
    out.add(id);
  }
  return out;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

export class QueueWorker {
  private readonly abort = new AbortController();
  private loops: Promise<void>[] = [];
  private timers: NodeJS.Timeout[] = [];
  private readonly fetch: typeof fetch;
  /** Batches currently being processed, per function. */
  readonly inFlight = new Map<string, number>();
  readonly stats = { batches: 0, deleted: 0, failed: 0, scheduled: 0 };

  constructor(private readonly o: QueueWorkerOptions) {
    this.fetch = o.fetch ?? fetch;
  }

  start(): void {
    for (const m of this.o.mappings) {
      for (let i = 0; i < Math.max(1, m.concurrency); i++) this.loops.push(this.poll(m));
    }
    for (const s of this.o.schedules ?? []) {
      let running = false;
      this.timers.push(
        setInterval(() => {
          if (running) return;
          running = true;
          void this.invokeScheduled(s).finally(() => (running = false));
        }, s.everyMs),
      );
    }
    const depthEvery = this.o.depthIntervalMs ?? 0;
    if (depthEvery > 0 && this.o.metrics) {
      this.timers.push(setInterval(() => void this.reportDepth(), depthEvery));
    }
    this.o.log.info('queue worker started', {
      gateway: this.o.gatewayUrl,
      mappings: this.o.mappings.map((m) => ({ fn: m.functionName, queue: m.queueUrl, batchSize: m.batchSize, concurrency: m.concurrency })),
      schedules: (this.o.schedules ?? []).map((s) => ({ fn: s.functionName, everyMs: s.everyMs })),
    });
  }

  /** Stops polling; batches being processed finish (their results are applied) first. */
  async stop(): Promise<void> {
    this.abort.abort();
    for (const t of this.timers) clearInterval(t);
    await Promise.all(this.loops);
    this.loops = [];
  }

  private async poll(m: QueueMapping): Promise<void> {
    const arn = queueArnFromUrl(m.queueUrl, this.o.region);
    const wait = this.o.waitTimeSeconds ?? 20;
    while (!this.abort.signal.aborted) {
      let messages: Message[];
      try {
        const res = await this.o.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: m.queueUrl,
            MaxNumberOfMessages: Math.min(10, Math.max(1, m.batchSize)),
            WaitTimeSeconds: wait,
            // The older spelling (deprecated by AWS, still accepted): every SQS-compatible server knows it.
            AttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: this.abort.signal },
        );
        messages = res.Messages ?? [];
      } catch (e) {
        if (this.abort.signal.aborted) return;
        this.o.log.warn('receive failed; retrying', { fn: m.functionName, error: e });
        await sleep(1000, this.abort.signal);
        continue;
      }
      if (messages.length === 0) {
        if (wait === 0) await sleep(this.o.idleDelayMs ?? 100, this.abort.signal);
        continue;
      }
      await this.processBatch(m, arn, messages);
    }
  }

  /** Invokes the function with one batch and deletes what succeeded. */
  async processBatch(m: QueueMapping, arn: string, messages: Message[]): Promise<InvokeResult> {
    // The same message twice in one receive (seen with emulators): invoke it once.
    const unique = [...new Map(messages.map((x) => [x.MessageId, x])).values()];
    const records = unique.map((x) => toLambdaRecord(x, arn, this.o.region));
    this.inFlight.set(m.functionName, (this.inFlight.get(m.functionName) ?? 0) + 1);
    try {
      const { status, payload } = await this.invoke(m.functionName, { Records: records }, m.timeoutSeconds);
      const failed = status === 'error' ? new Set(records.map((r) => r.messageId)) : failedIds(records, status, payload);
      const done = messages.filter((x) => !failed.has(x.MessageId!));
      if (done.length) {
        try {
          const res = await this.o.sqs.send(
            new DeleteMessageBatchCommand({ QueueUrl: m.queueUrl, Entries: done.map((x, i) => ({ Id: String(i), ReceiptHandle: x.ReceiptHandle! })) }),
          );
          for (const f of res.Failed ?? [])
            this.o.log.warn('delete failed; the message will be delivered again', { fn: m.functionName, code: f.Code, message: f.Message });
        } catch (e) {
          // Delivered again after the visibility timeout: the functions are idempotent.
          this.o.log.warn('delete failed; the batch will be delivered again', { fn: m.functionName, error: e });
        }
      }
      this.stats.batches++;
      this.stats.deleted += done.length;
      this.stats.failed += failed.size;
      if (failed.size) this.o.log.info('batch items left on the queue', { fn: m.functionName, status, failed: failed.size, of: records.length });
      else this.o.log.debug('batch done', { fn: m.functionName, status, count: records.length });
      return { failed, status };
    } finally {
      this.inFlight.set(m.functionName, (this.inFlight.get(m.functionName) ?? 1) - 1);
    }
  }

  private async invoke(fn: string, body: unknown, timeoutSeconds: number): Promise<{ status: number | 'error'; payload: string }> {
    try {
      const res = await this.fetch(`${this.o.gatewayUrl.replace(/\/+$/, '')}/function/${encodeURIComponent(fn)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.o.token ? { authorization: `Bearer ${this.o.token}` } : {}) },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutSeconds * 1000 + 5000),
      });
      return { status: res.status, payload: await res.text() };
    } catch (e) {
      this.o.log.warn('function call failed', { fn, error: e });
      return { status: 'error', payload: '' };
    }
  }

  async invokeScheduled(s: Schedule): Promise<number | 'error'> {
    const { status, payload } = await this.invoke(s.functionName, {}, s.timeoutSeconds);
    this.stats.scheduled++;
    if (status === 'error' || status >= 300) this.o.log.warn('scheduled invocation failed', { fn: s.functionName, status, body: payload.slice(0, 500) });
    else this.o.log.info('scheduled invocation done', { fn: s.functionName, status, result: payload.slice(0, 500) });
    return status;
  }

  async reportDepth(): Promise<void> {
    const queues: Record<string, string> = { ...Object.fromEntries(this.o.mappings.map((m) => [m.functionName, m.queueUrl])), ...(this.o.depthQueues ?? {}) };
    await Promise.all(
      Object.entries(queues).map(async ([name, url]) => {
        try {
          const res = await this.o.sqs.send(
            new GetQueueAttributesCommand({
              QueueUrl: url,
              AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
            }),
          );
          const a = res.Attributes ?? {};
          this.o.metrics?.queueDepth(name, {
            visible: Number(a.ApproximateNumberOfMessages ?? 0),
            inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
            ...(a.ApproximateNumberOfMessagesDelayed !== undefined ? { delayed: Number(a.ApproximateNumberOfMessagesDelayed) } : {}),
          });
        } catch (e) {
          this.o.log.warn('queue depth not available', { queue: name, error: e });
        }
      }),
    );
  }
}
