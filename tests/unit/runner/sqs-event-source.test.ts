import { ReceiveMessageCommand, SendMessageBatchCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionHost } from '../../../infra/local/runner/function-host.ts';
import { notifyQueueSend } from '../../../infra/local/runner/sqs-activity.ts';
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
  sqsServer = await startLocalSqs({
    queues: [
      { logicalId: 'Work', name: 'work', visibilityTimeout: 30 },
      { logicalId: 'Backlog', name: 'backlog', visibilityTimeout: 30 },
      { logicalId: 'Empty', name: 'empty', visibilityTimeout: 30 },
      { logicalId: 'Race', name: 'race', visibilityTimeout: 30 },
      { logicalId: 'Quiet', name: 'quiet', visibilityTimeout: 30 },
      { logicalId: 'Routed', name: 'routed', visibilityTimeout: 30 },
    ],
  });
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
  // Guards the cascade: a poller that receives wakes another idle one. A send wakes only one
  // poller and the idle pause is an hour, so without it one poller would take the batches one by one.
  it('drains a backlog with every poller at once, although a send wakes only one', async () => {
    let running = 0;
    let maxRunning = 0;
    const delivered: string[] = [];
    const host = {
      invoke: async (_fn: string, event: { Records: { body: string }[] }) => {
        maxRunning = Math.max(maxRunning, ++running);
        await new Promise((r) => setTimeout(r, 100));
        delivered.push(...event.Records.map((r) => r.body));
        running--;
        return { ok: true, result: {} };
      },
    } as unknown as FunctionHost;
    const mapping = mappingFor('Backlog', host, { concurrency: 4, batchSize: 1, idleDelayMs: 3_600_000 });
    mapping.start();
    try {
      await new Promise((r) => setTimeout(r, 200));
      const Entries = Array.from({ length: 8 }, (_, i) => ({ Id: String(i), MessageBody: `{"job":${i}}` }));
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: sqsServer.queueUrl('Backlog'), Entries }));
      await pollUntil(async () => (delivered.length === 8 ? true : undefined), {
        deadlineMs: 10_000,
        initialDelayMs: 20,
        maxDelayMs: 100,
        description: '8 jobs delivered',
      });
      expect(maxRunning).toBe(4);
    } finally {
      await mapping.stop();
    }
  });

  // Guards the missed wake-up (missedWake in sqs-event-source.ts): a send that lands while every
  // poller is busy, here between an empty receive's answer and the poller's pause, must not wait
  // out the pause (an hour here). The client below makes that interleaving happen every time: it
  // sends a job and lets the send signal fire before it hands the poller its empty answer.
  it('polls again at once when a send landed while every poller was busy', async () => {
    const delivered: string[] = [];
    let raced = false;
    const racing = {
      send: async (cmd: unknown) => {
        const res = (await sqs.send(cmd as never)) as { Messages?: unknown[] };
        if (!raced && cmd instanceof ReceiveMessageCommand && !res.Messages?.length) {
          raced = true;
          await sqs.send(new SendMessageCommand({ QueueUrl: sqsServer.queueUrl('Race'), MessageBody: '{"job":"raced"}' }));
          notifyQueueSend({ race: 1 });
          await new Promise((r) => setImmediate(r)); // the signal is dispatched: no poller is idle
        }
        return res;
      },
    } as unknown as SQSClient;
    const host = {
      invoke: async (_fn: string, event: { Records: { body: string }[] }) => (delivered.push(...event.Records.map((r) => r.body)), { ok: true, result: {} }),
    } as unknown as FunctionHost;
    const mapping = mappingFor('Race', host, { concurrency: 1, batchSize: 10, idleDelayMs: 3_600_000 }, racing);
    mapping.start();
    try {
      await pollUntil(async () => (delivered.length ? true : undefined), {
        deadlineMs: 5_000,
        initialDelayMs: 20,
        maxDelayMs: 100,
        description: 'the job sent during the empty receive to be delivered',
      });
      expect(raced).toBe(true);
      expect(delivered).toEqual(['{"job":"raced"}']);
    } finally {
      await mapping.stop();
    }
  });

  // Guards the routing of send signals (sqs-server-child.mjs reports the queue; sqs-activity.ts
  // wakes only its pollers): a send to one queue must not make another queue's idle pollers poll.
  // Every mapping was woken by every send before, each costing an empty receive.
  it('wakes only the pollers of the queue a message was sent to', async () => {
    let otherReceives = 0;
    const counting = { send: (cmd: unknown) => (otherReceives++, sqs.send(cmd as never)) } as unknown as SQSClient;
    const idleHost = { invoke: async () => ({ ok: true, result: {} }) } as unknown as FunctionHost;
    const other = mappingFor('Quiet', idleHost, { concurrency: 2, batchSize: 10, idleDelayMs: 3_600_000 }, counting);
    const delivered: string[] = [];
    const workHost = {
      invoke: async (_fn: string, event: { Records: { body: string }[] }) => (delivered.push(...event.Records.map((r) => r.body)), { ok: true, result: {} }),
    } as unknown as FunctionHost;
    const work = mappingFor('Routed', workHost, { concurrency: 1, batchSize: 10, idleDelayMs: 3_600_000 });
    other.start();
    work.start();
    try {
      await new Promise((r) => setTimeout(r, 200));
      expect(otherReceives).toBe(2); // each poller's first, empty poll; now idle for an hour
      await sqs.send(new SendMessageCommand({ QueueUrl: sqsServer.queueUrl('Routed'), MessageBody: '{"job":"routed"}' }));
      await pollUntil(async () => (delivered.length ? true : undefined), {
        deadlineMs: 5_000,
        initialDelayMs: 20,
        maxDelayMs: 100,
        description: 'the routed job',
      });
      await new Promise((r) => setTimeout(r, 200));
      expect(delivered).toEqual(['{"job":"routed"}']);
      expect(otherReceives).toBe(2);
    } finally {
      await work.stop();
      await other.stop();
    }
  });

  // Guards the idle backoff: polls of an empty queue space out (20, 40, 80 … ms, at most 200 here),
  // where a fixed pause would poll every 20 ms: ~75 polls per poller in 1.5 s.
  it('polls an empty queue less and less often', async () => {
    let receives = 0;
    const counting = { send: (cmd: unknown) => (receives++, sqs.send(cmd as never)) } as unknown as SQSClient;
    const host = { invoke: async () => ({ ok: true, result: {} }) } as unknown as FunctionHost;
    const mapping = mappingFor('Empty', host, { concurrency: 1, batchSize: 10, idleDelayMs: 20, maxIdleDelayMs: 200 }, counting);
    mapping.start();
    try {
      await new Promise((r) => setTimeout(r, 1_500));
    } finally {
      await mapping.stop();
    }
    // 20 + 40 + 80 + 160 ms, then every 200 ms: about 11 polls in 1.5 s.
    expect(receives).toBeGreaterThanOrEqual(5);
    expect(receives).toBeLessThanOrEqual(15);
  });
});

function mappingFor(
  logicalId: string,
  host: FunctionHost,
  o: { concurrency: number; batchSize: number; idleDelayMs: number; maxIdleDelayMs?: number },
  client: SQSClient = sqs,
): SqsEventSourceMapping {
  return new SqsEventSourceMapping(
    client,
    host,
    {
      functionName: 'work',
      queueUrl: sqsServer.queueUrl(logicalId),
      queueArn: sqsServer.queueArn(logicalId),
      region: 'us-east-1',
      reportBatchItemFailures: false,
      ...o,
    },
    createLogger({ test: true }),
  );
}
