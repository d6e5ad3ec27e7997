import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionHost } from '../../../infra/local/runner/function-host.ts';
import { SqsEventSourceMapping } from '../../../infra/local/runner/sqs-event-source.ts';
import { startLocalSqs, type LocalSqs } from '../../../infra/local/runner/sqs-server.ts';
import { createLogger } from '../../../shared/log/index.ts';
import { pollUntil } from '../../../shared/retry/index.ts';

/**
 * Guards the wake-up of the local event source (infra/local/runner/sqs-activity.ts): an idle
 * poller polls again as soon as the local SQS server accepts a send. The idle pause here is an
 * hour, so a job can only be delivered within the test's deadline through that signal.
 */
let sqsServer: LocalSqs;
let sqs: SQSClient;

beforeAll(async () => {
  sqsServer = await startLocalSqs({ queues: [{ logicalId: 'Work', name: 'work', visibilityTimeout: 30 }] });
  sqs = new SQSClient({ endpoint: sqsServer.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});

afterAll(async () => {
  sqs?.destroy();
  await sqsServer?.close();
});

describe('the local SQS server', () => {
  // Guards the separate process (infra/local/runner/sqs-server-child.mjs): the queue's work must not
  // run on the functions' event loop, as it never does on AWS or OpenFaaS (benchmarks would measure
  // the emulator otherwise), and the stack's stop must end it.
  it('runs in a process of its own, which close() ends', async () => {
    const other = await startLocalSqs({ queues: [{ logicalId: 'Other', name: 'other' }] });
    expect(other.pid).not.toBe(process.pid);
    expect(() => process.kill(other.pid, 0)).not.toThrow();
    await other.close();
    expect(() => process.kill(other.pid, 0)).toThrow();
  });
});

describe('the local SQS event source', () => {
  it('delivers a job sent to an idle queue without waiting out the idle pause', async () => {
    const delivered: unknown[] = [];
    const host = {
      invoke: async (_fn: string, event: { Records: { body: string }[] }) => (delivered.push(...event.Records.map((r) => r.body)), { ok: true, result: {} }),
    } as unknown as FunctionHost;
    const mapping = new SqsEventSourceMapping(
      sqs,
      host,
      {
        functionName: 'work',
        queueUrl: sqsServer.queueUrl('Work'),
        queueArn: sqsServer.queueArn('Work'),
        region: 'us-east-1',
        batchSize: 10,
        reportBatchItemFailures: false,
        concurrency: 2,
        idleDelayMs: 3_600_000,
      },
      createLogger({ test: true }),
    );
    mapping.start();
    try {
      // Let both pollers find the queue empty and go idle.
      await new Promise((r) => setTimeout(r, 200));
      await sqs.send(new SendMessageCommand({ QueueUrl: sqsServer.queueUrl('Work'), MessageBody: '{"job":1}' }));
      await pollUntil(async () => (delivered.length ? true : undefined), {
        deadlineMs: 10_000,
        initialDelayMs: 20,
        maxDelayMs: 100,
        description: 'the job to be delivered',
      });
      expect(delivered).toEqual(['{"job":1}']);
    } finally {
      await mapping.stop();
    }
  });
});
