import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setLogSink } from '../../../shared/log/index.ts';
import { resetRuntime } from '../../../shared/runtime/index.ts';
import { TEST_CONFIG_YAML } from '../../helpers/test-config.ts';

/**
 * DAREG enabled, and the deployment gives S3OD_DAREG_TOKEN only to the functions that talk to
 * DAREG (serverless.yml, infra/openfaas/stack.yml): the others must run, and those two must stop
 * with the key named. Guards requireDaregToken's place: in provision and lifecycle, not in
 * configFromEnv (there it stopped on-object-event, import and reconcile).
 */
const sqsMock = mockClient(SQSClient);
const env = {
  S3OD_CONFIG_YAML: `${TEST_CONFIG_YAML}\ndareg: { enabled: true, host: dareg.example.org }\n`,
  S3OD_PROVISION_QUEUE_URL: 'https://sqs.local/provision',
  S3OD_IMPORT_QUEUE_URL: 'https://sqs.local/import',
  S3OD_ONEZONE_TOKEN: 'TEST-ONEZONE-TOKEN-0123456789',
  AWS_REGION: 'eu-central-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test-secret',
};
const saved: Record<string, string | undefined> = {};

const sqsRecord = (messageId: string, body: unknown) => ({
  messageId,
  receiptHandle: messageId,
  body: JSON.stringify(body),
  attributes: { ApproximateReceiveCount: '1' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-central-1:1:q',
  awsRegion: 'eu-central-1',
});

describe('DAREG enabled, S3OD_DAREG_TOKEN given to provision and lifecycle only', () => {
  beforeAll(() => {
    for (const [k, v] of Object.entries({ ...env, S3OD_DAREG_TOKEN: undefined })) {
      saved[k] = process.env[k];
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetRuntime();
  });
  afterAll(() => {
    for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
    resetRuntime();
    sqsMock.restore();
  });

  it('on-object-event runs without the token: the notification is queued', async () => {
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [{ Id: '0', MessageId: 'm', MD5OfMessageBody: '' }], Failed: [] });
    const { handler } = await import('../../../functions/on-object-event/handler.ts');
    const notification = {
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          eventTime: '2026-12-05T00:00:00.000Z',
          s3: { bucket: { name: 'facility' }, object: { key: 'datasets/D/SPA.yml', size: 10, eTag: 'e1' } },
        },
      ],
    };
    const res = (await handler({ Records: [sqsRecord('n1', notification)] } as never, {} as never)) as { batchItemFailures: unknown[] };
    expect(res.batchItemFailures).toEqual([]);
    expect(sqsMock.commandCalls(SendMessageBatchCommand).length).toBe(1);
  });

  it('provision stops each job with the key named', async () => {
    const lines: string[] = [];
    const previous = setLogSink((l) => lines.push(l));
    try {
      const { handler } = await import('../../../functions/provision/handler.ts');
      const job = { type: 'provision', dataset: { id: 'x', bucket: 'facility', prefix: 'datasets/D', name: 'D' }, metadataFile: 'SPA.yml', reason: 'event' };
      const res = (await handler({ Records: [sqsRecord('p1', job)] } as never, {} as never)) as { batchItemFailures: { itemIdentifier: string }[] };
      expect(res.batchItemFailures).toEqual([{ itemIdentifier: 'p1' }]);
    } finally {
      setLogSink(previous);
    }
    expect(lines.some((l) => l.includes('dareg.token: DAREG is enabled but has no token'))).toBe(true);
  });

  it('lifecycle stops with the key named', async () => {
    const { handler } = await import('../../../functions/lifecycle/handler.ts');
    await expect(handler(undefined, {} as never)).rejects.toThrow(/dareg\.token: DAREG is enabled but has no token/);
  });
});
