import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import type { Logger } from '../../../shared/log/index.ts';
import type { FunctionHost } from './function-host.ts';
import { onQueueSend } from './sqs-activity.ts';

export interface MappingOptions {
  functionName: string;
  queueUrl: string;
  queueArn: string;
  region: string;
  batchSize: number;
  reportBatchItemFailures: boolean;
  /** Batches processed at once (Lambda scales pollers out; locally a small fixed number). */
  concurrency: number;
  /** First pause between polls of an empty queue; it doubles with each empty poll, up to `maxIdleDelayMs`. @default 50 */
  idleDelayMs?: number;
  /** Longest pause between polls of an empty queue. @default 1000 */
  maxIdleDelayMs?: number;
}

/**
 * Lambda's SQS event-source mapping, locally: receive a batch, invoke the function with an
 * `aws:sqs` event, then delete what succeeded. A thrown error leaves the whole batch to reappear
 * after the visibility timeout; with ReportBatchItemFailures only the listed messages stay. The
 * queue's redrive policy moves a message to its dead-letter queue after maxReceiveCount receives.
 * Receives use WaitTimeSeconds 0 (answered at once; sqs-activity.ts says why not long polls); an
 * idle loop polls again when the local SQS server accepts a send (sqs-activity.ts), or after its
 * idle pause (delayed messages, redeliveries after the visibility timeout), which doubles from
 * `idleDelayMs` to `maxIdleDelayMs` while the queue stays empty: empty polls cost CPU (each is a
 * signed SDK request), and the burst benchmark's 50 provision pollers at a fixed 50 ms could send
 * up to 1,000 of them a second.
 * A send wakes one idle poller per batch it sent to this queue. A poller that receives messages
 * wakes another idle one, so a backlog no send signals (redeliveries after the visibility timeout,
 * delayed messages) is drained by all pollers at once, as Lambda scales its pollers out.
 */
export class SqsEventSourceMapping {
  private running = false;
  private readonly loops: Promise<void>[] = [];
  private readonly wakers = new Set<() => void>();
  private readonly deletes = new Set<Promise<void>>();
  private unsubscribe?: () => void;
  /** A wake-up that found too few idle pollers (wake). */
  private missedWake = false;
  inFlight = 0;

  constructor(
    private readonly sqs: SQSClient,
    private readonly host: FunctionHost,
    private readonly opts: MappingOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    // One idle poller per batch sent to this queue; the others keep their pause, and other queues'
    // pollers are not woken.
    const queueName = this.opts.queueUrl.split('/').pop() ?? '';
    const perPoll = Math.min(this.opts.batchSize, 10);
    this.unsubscribe = onQueueSend(queueName, (messages) => this.wake(Math.ceil(messages / perPoll)));
    for (let i = 0; i < this.opts.concurrency; i++) this.loops.push(this.loop());
  }

  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.wakeAll();
    await Promise.allSettled(this.loops);
    await Promise.allSettled([...this.deletes]);
    this.loops.length = 0;
  }

  /** Wakes up to `pollers` idle pollers. */
  private wake(pollers: number): void {
    const idle = [...this.wakers].slice(0, Math.max(1, pollers));
    for (const wake of idle) wake();
    // Fewer idle pollers than asked for: a busy one may have had its receive answered just before
    // the send landed. The next poller to go idle polls again at once instead of pausing (a lost
    // wake-up would leave the job waiting out a pause of up to maxIdleDelayMs).
    if (idle.length < pollers) this.missedWake = true;
  }

  private wakeOne(): void {
    this.wake(1);
  }

  private wakeAll(): void {
    for (const wake of [...this.wakers]) wake();
  }

  private async idle(emptyPolls: number): Promise<void> {
    if (this.missedWake) {
      this.missedWake = false;
      return;
    }
    const first = this.opts.idleDelayMs ?? 50;
    const pause = Math.min(first * 2 ** Math.min(emptyPolls, 20), Math.max(first, this.opts.maxIdleDelayMs ?? 1000));
    await new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(t);
        this.wakers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, pause);
      this.wakers.add(wake);
    });
  }

  private async loop(): Promise<void> {
    let emptyPolls = 0;
    while (this.running) {
      let messages: Message[] = [];
      try {
        const res = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.opts.queueUrl,
            MaxNumberOfMessages: Math.min(this.opts.batchSize, 10),
            WaitTimeSeconds: 0,
            AttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
        );
        messages = res.Messages ?? [];
      } catch (e) {
        if (this.running) this.log.warn('local event source: receive failed', { fn: this.opts.functionName, error: e });
      }
      if (!this.running) break;
      if (messages.length === 0) {
        await this.idle(emptyPolls++);
        continue;
      }
      emptyPolls = 0;
      // There may be more: one idle poller more looks (and, finding some, wakes the next).
      this.wakeOne();
      this.inFlight++;
      let deleting: Promise<void> | undefined;
      try {
        deleting = (await this.deliver(messages))?.deleted;
      } finally {
        // As Lambda's pollers do, the next batch is fetched while the last one's messages are
        // deleted; the batch counts as in flight until they are.
        if (deleting) {
          this.deletes.add(deleting);
          void deleting.finally(() => {
            this.deletes.delete(deleting!);
            this.inFlight--;
          });
        } else this.inFlight--;
      }
    }
  }

  /** Invokes the function with the batch; resolves (wrapped: a bare promise would be awaited) to the deletion of what succeeded, if any. */
  private async deliver(messages: Message[]): Promise<{ deleted: Promise<void> } | undefined> {
    // local-aws-sqs can return one message twice in a batch when its visibility lapsed meanwhile.
    const unique = [...new Map(messages.map((m) => [m.MessageId, m])).values()];
    const Records: SQSRecord[] = unique.map((m) => ({
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body ?? '',
      attributes: (m.Attributes ?? {}) as SQSRecord['attributes'],
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: this.opts.queueArn,
      awsRegion: this.opts.region,
    }));
    const outcome = await this.host.invoke(this.opts.functionName, { Records });
    let failed = new Set<string>();
    if (!outcome.ok) {
      this.log.error('local event source: invocation failed, batch returns to the queue', { fn: this.opts.functionName, error: outcome.error });
      return undefined;
    }
    if (this.opts.reportBatchItemFailures) {
      const items = (outcome.result as { batchItemFailures?: { itemIdentifier?: string }[] } | undefined)?.batchItemFailures ?? [];
      failed = new Set(items.map((f) => String(f.itemIdentifier)));
      // Lambda treats an unknown or empty itemIdentifier as a failure of the whole batch.
      if (items.some((f) => !f.itemIdentifier || !Records.some((r) => r.messageId === f.itemIdentifier))) return undefined;
    }
    const done = Records.filter((r) => !failed.has(r.messageId));
    if (done.length === 0) return undefined;
    const deleted = this.sqs
      .send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.opts.queueUrl,
          Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
        }),
      )
      .then(
        () => undefined,
        (e: unknown) => this.log.warn('local event source: delete failed; the messages will be redelivered', { fn: this.opts.functionName, error: e }),
      );
    return { deleted };
  }
}
