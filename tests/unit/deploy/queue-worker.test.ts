import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalSqs, type LocalSqs } from '../../../infra/local/runner/sqs-server.ts';
import { failedIds, QueueWorker, queueArnFromUrl, toLambdaRecord } from '../../../infra/openfaas/queue-worker.ts';
import { createLogger, type LogFields } from '../../../shared/log/index.ts';
import { Metrics } from '../../../shared/metrics/index.ts';
import { pollUntil } from '../../../shared/retry/index.ts';

/**
 * The OpenFaaS queue worker against the SQS emulator (in process, 127.0.0.1) and a fake function
 * endpoint: Lambda's event-source-mapping rules for ReportBatchItemFailures, redelivery after the
 * visibility timeout, and the dead-letter queue after maxReceiveCount.
 */
const lines: string[] = [];
const log = createLogger({ app: 'test' });
const quiet = {
  ...log,
  info: (m: string, f?: LogFields) => lines.push(JSON.stringify({ m, ...f })),
  warn: (m: string, f?: LogFields) => lines.push(JSON.stringify({ m, ...f })),
  debug: () => undefined,
  error: (m: string, f?: LogFields) => lines.push(JSON.stringify({ m, ...f })),
  child: () => quiet,
};

let sqsServer: LocalSqs;
let sqs: SQSClient;
let fnServer: Server;
let gatewayUrl: string;
const received: { auth: string | undefined; event: SQSEvent }[] = [];
/** What the fake function does per message body: ok, fail (batch item failure), or the whole call. */
let functionStatus = 200;

beforeAll(async () => {
  sqsServer = await startLocalSqs({
    queues: [
      { logicalId: 'WorkDLQ', name: 'work-dlq' },
      { logicalId: 'Work', name: 'work', visibilityTimeout: 1, redrive: { deadLetterLogicalId: 'WorkDLQ', maxReceiveCount: 2 } },
    ],
  });
  sqs = new SQSClient({ endpoint: sqsServer.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  fnServer = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SQSEvent;
    received.push({ auth: req.headers.authorization, event });
    if (functionStatus !== 200) {
      res.writeHead(functionStatus);
      res.end('boom');
      return;
    }
    const batchItemFailures = (event.Records ?? []).filter((r) => JSON.parse(r.body).mode === 'fail').map((r) => ({ itemIdentifier: r.messageId }));
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ batchItemFailures }));
  });
  await new Promise<void>((r) => fnServer.listen(0, '127.0.0.1', () => r()));
  gatewayUrl = `http://127.0.0.1:${(fnServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  sqs?.destroy();
  fnServer?.closeAllConnections();
  await new Promise<void>((r) => (fnServer ? fnServer.close(() => r()) : r()));
  await sqsServer?.close();
});

/** Messages in a queue, visible or not (the emulator's ApproximateNumberOfMessages already counts both). */
async function depth(logicalId: string): Promise<number> {
  const res = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: sqsServer.queueUrl(logicalId), AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(res.Attributes?.ApproximateNumberOfMessages ?? 0);
}

function worker(): QueueWorker {
  return new QueueWorker({
    gatewayUrl,
    token: 'worker-test-token-123',
    sqs,
    region: 'us-east-1',
    mappings: [{ functionName: 'work', queueUrl: sqsServer.queueUrl('Work'), batchSize: 10, concurrency: 1, timeoutSeconds: 5 }],
    waitTimeSeconds: 0,
    idleDelayMs: 25,
    log: quiet,
    metrics: new Metrics(quiet, 'queue-worker', 'test'),
  });
}

describe('failedIds (Lambda ReportBatchItemFailures rules)', () => {
  const recs = [{ messageId: 'a' }, { messageId: 'b' }] as never[];
  it.each([
    ['2xx with failures', 200, '{"batchItemFailures":[{"itemIdentifier":"b"}]}', ['b']],
    ['2xx with none', 200, '{"batchItemFailures":[]}', []],
    ['2xx with an empty body', 200, '', []],
    ['2xx with an unknown id', 200, '{"batchItemFailures":[{"itemIdentifier":"zz"}]}', ['a', 'b']],
    ['2xx with unreadable JSON', 200, '{', ['a', 'b']],
    ['a 500', 500, '{"batchItemFailures":[]}', ['a', 'b']],
    ['a 401', 401, '', ['a', 'b']],
  ])('%s', (_, status, body, expected) => {
    expect([...failedIds(recs, status, body)].sort()).toEqual(expected);
  });

  it('builds Lambda-shaped records and ARNs', () => {
    const arn = queueArnFromUrl('http://elasticmq:9324/000000000000/s3od-prod-provision', 'eu-west-1');
    expect(arn).toBe('arn:aws:sqs:eu-west-1:000000000000:s3od-prod-provision');
    const r = toLambdaRecord(
      {
        MessageId: 'm',
        ReceiptHandle: 'rh',
        Body: '{}',
        MD5OfBody: 'x',
        Attributes: { ApproximateReceiveCount: '2', SentTimestamp: '5' },
        MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } },
      },
      arn,
      'eu-west-1',
    );
    expect(r).toMatchObject({
      messageId: 'm',
      receiptHandle: 'rh',
      eventSource: 'aws:sqs',
      eventSourceARN: arn,
      awsRegion: 'eu-west-1',
      attributes: { ApproximateReceiveCount: '2', SentTimestamp: '5' },
      messageAttributes: { k: { dataType: 'String', stringValue: 'v' } },
    });
  });
});

describe('QueueWorker', () => {
  it('deletes what succeeded, redelivers batch item failures, and dead-letters them after maxReceiveCount', async () => {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: sqsServer.queueUrl('Work'),
        Entries: [
          { Id: '1', MessageBody: JSON.stringify({ mode: 'ok', n: 1 }) },
          { Id: '2', MessageBody: JSON.stringify({ mode: 'fail', n: 2 }) },
          { Id: '3', MessageBody: JSON.stringify({ mode: 'ok', n: 3 }) },
        ],
      }),
    );
    const w = worker();
    w.start();
    try {
      await pollUntil(async () => ((await depth('WorkDLQ')) === 1 && (await depth('Work')) === 0 ? true : undefined), {
        deadlineMs: 15_000,
        initialDelayMs: 50,
        maxDelayMs: 200,
        description: 'the failing message to reach the DLQ',
      });
    } finally {
      await w.stop();
    }
    expect(received.every((r) => r.auth === 'Bearer worker-test-token-123')).toBe(true);
    const deliveries = received.flatMap((r) => r.event.Records).map((r) => [JSON.parse(r.body).n, r.attributes.ApproximateReceiveCount]);
    // 1 and 3 once; 2 twice (receive counts 1, 2), then the queue's redrive moved it.
    expect(deliveries.filter(([n]) => n !== 2).map(([, c]) => c)).toEqual(['1', '1']);
    expect(deliveries.filter(([n]) => n === 2).map(([, c]) => c)).toEqual(['1', '2']);
    expect(received[0]!.event.Records[0]).toMatchObject({ eventSource: 'aws:sqs', eventSourceARN: sqsServer.queueArn('Work'), awsRegion: 'us-east-1' });
    const dlq = await sqs.send(new ReceiveMessageCommand({ QueueUrl: sqsServer.queueUrl('WorkDLQ'), MaxNumberOfMessages: 10 }));
    expect(dlq.Messages?.map((m) => JSON.parse(m.Body!).n)).toEqual([2]);
    expect(w.stats).toMatchObject({ deleted: 2, failed: 2 });
  });

  it('leaves the whole batch on the queue when the function answers 500, and reports queue depth', async () => {
    received.length = 0;
    functionStatus = 500;
    await sqs.send(
      new SendMessageBatchCommand({ QueueUrl: sqsServer.queueUrl('Work'), Entries: [{ Id: '1', MessageBody: JSON.stringify({ mode: 'ok', n: 10 }) }] }),
    );
    const w = worker();
    w.start();
    try {
      await pollUntil(async () => (received.length >= 1 ? true : undefined), {
        deadlineMs: 5_000,
        initialDelayMs: 20,
        maxDelayMs: 100,
        description: 'one invocation',
      });
    } finally {
      await w.stop();
      functionStatus = 200;
    }
    expect(w.stats).toMatchObject({ deleted: 0, failed: 1 });
    expect(await depth('Work')).toBe(1);
    lines.length = 0;
    await w.reportDepth();
    const depthLine = lines.map((l) => JSON.parse(l)).find((l) => l.m === 'metrics');
    expect(depthLine).toMatchObject({ Queue: 'work', QueueInFlight: expect.any(Number), QueueVisible: expect.any(Number) });
    expect(depthLine.QueueVisible).toBe(1);
  });

  it('invokes scheduled functions with the token', async () => {
    received.length = 0;
    const w = worker();
    // Outside start(): one tick of the schedule.
    const status = await w.invokeScheduled({ functionName: 'work', everyMs: 60_000, timeoutSeconds: 5 }).catch(() => 'error');
    expect(status).not.toBe('error');
    expect(received.at(-1)?.auth).toBe('Bearer worker-test-token-123');
  });
});
