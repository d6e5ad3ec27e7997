import { readFileSync } from 'node:fs';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetRuntime } from '../../../shared/runtime/index.ts';

/** The SQS entry of on-object-event (S3 → SQS → Lambda on AWS), with the SQS client mocked. */
const sqsMock = mockClient(SQSClient);
const rgwPut = JSON.parse(readFileSync(new URL('../../fixtures/events/rgw-put.json', import.meta.url), 'utf8'));
const env = {
  S3OD_CONFIG_YAML: `
bucket: facility
watchedDirectories: [uploads]
institutionName: X
managerGroupId: m
userGroupId: u
serviceUserId: s
s3Storage: { endpoint: "https://s3" }
restAccess: { onezone: { host: z }, oneproviders: [{ host: p }] }
`,
  S3OD_PROVISION_QUEUE_URL: 'https://sqs.local/provision',
  S3OD_IMPORT_QUEUE_URL: 'https://sqs.local/import',
  AWS_REGION: 'eu-central-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test-secret',
};
const saved: Record<string, string | undefined> = {};

/** One queued S3 notification carrying `n` data objects of dataset uploads/D. */
function record(id: string, n: number) {
  const body = {
    Records: Array.from({ length: n }, (_, i) => ({
      ...rgwPut.Records[0],
      s3: { ...rgwPut.Records[0].s3, bucket: { name: 'facility' }, object: { key: `uploads/D/${id}-${i}.tif`, size: 1, eTag: `${id}${i}` } },
    })),
  };
  return {
    messageId: id,
    receiptHandle: id,
    body: JSON.stringify(body),
    attributes: {},
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-central-1:1:events',
    awsRegion: 'eu-central-1',
  };
}

describe('on-object-event fed by SQS', () => {
  beforeAll(() => {
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    resetRuntime();
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
    resetRuntime();
  });
  beforeEach(() => sqsMock.reset());

  it('sends the jobs of a whole batch in as few SendMessageBatch calls as possible', async () => {
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const { handler } = await import('../../../functions/on-object-event/handler.ts');
    const res = (await handler({ Records: [record('a', 5), record('b', 5), record('c', 5)] } as never, {} as never)) as { batchItemFailures: unknown[] };
    expect(res.batchItemFailures).toEqual([]);
    const calls = sqsMock.commandCalls(SendMessageBatchCommand);
    expect(calls.map((c) => c.args[0].input.Entries!.length)).toEqual([10, 5]);
    expect(calls.every((c) => c.args[0].input.QueueUrl === env.S3OD_IMPORT_QUEUE_URL)).toBe(true);
  });

  it('drops an unreadable message and retries the readable ones when the queue fails', async () => {
    sqsMock.on(SendMessageBatchCommand).rejects(Object.assign(new Error('InvalidParameterValue'), { $metadata: { httpStatusCode: 400 } }));
    const { handler } = await import('../../../functions/on-object-event/handler.ts');
    const bad = { ...record('x', 1), body: 'not json' };
    const res = (await handler({ Records: [record('a', 2), bad, record('b', 1)] } as never, {} as never)) as {
      batchItemFailures: { itemIdentifier: string }[];
    };
    expect(res.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(['a', 'b']);
  });
});
