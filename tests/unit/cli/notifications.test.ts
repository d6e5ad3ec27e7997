// The SDK warns at client construction about Node versions it will drop; not this test's business.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { GetBucketNotificationConfigurationCommand, PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { setupS3QueueNotification } from '../../../infra/notifications/aws.ts';
import { eventCoverage, s3odTargets } from '../../../infra/notifications/inspect.ts';
import { minioSetupCommands, minioWebhookArn, notificationPrefix } from '../../../infra/notifications/minio.ts';

describe('MinIO commands', () => {
  it('configure a webhook target with a queue_dir and bind the bucket to it; the token stays a variable', () => {
    const lines = minioSetupCommands({
      alias: 'fac',
      bucket: 'facility',
      endpoint: 'http://gw:8080/function/on-object-event',
      queueDir: '/data/q',
      queueLimit: 5000,
      prefix: 'cryoem/',
    });
    expect(lines).toContain(
      'mc admin config set fac notify_webhook:s3od endpoint="http://gw:8080/function/on-object-event" auth_token="$S3OD_WEBHOOK_TOKEN" queue_dir="/data/q" queue_limit="5000"',
    );
    expect(lines).toContain('mc admin service restart fac');
    expect(lines).toContain('mc event add fac/facility arn:minio:sqs::s3od:webhook --event put,delete --prefix "cryoem/" --ignore-existing');
    expect(minioWebhookArn()).toBe('arn:minio:sqs::s3od:webhook');
  });
  it('quote values so the shell expands nothing but the token', () => {
    const [, set] = minioSetupCommands({ alias: 'a', bucket: 'b', endpoint: 'http://x/$(rm -rf)`id`', queueDir: '/q', queueLimit: 1 });
    expect(set).toContain('endpoint="http://x/\\$(rm -rf)\\`id\\`"');
  });
  it("filter by the watched directories' common literal prefix only when there is one", () => {
    expect(notificationPrefix(['datasets'])).toBe('datasets/');
    expect(notificationPrefix(['cryoem/*', 'cryoem/krios?'])).toBe('cryoem/');
    expect(notificationPrefix(['cryoem/a', 'other'])).toBeUndefined();
    expect(notificationPrefix(['*/runs'])).toBeUndefined();
    expect(notificationPrefix([''])).toBeUndefined();
  });
});

describe("reading a bucket's notification configuration", () => {
  it('finds the entries that deliver to s3od and what they cover', () => {
    const targets = s3odTargets({
      TopicConfigurations: [
        { Id: 's3od-s3od-events', TopicArn: 'arn:aws:sns:default::s3od-events', Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] },
        { Id: 'backup', TopicArn: 'arn:aws:sns:default::backup', Events: ['s3:ObjectCreated:*'] },
      ],
      QueueConfigurations: [
        {
          Id: 'x',
          QueueArn: 'arn:minio:sqs::s3od:webhook',
          Events: ['s3:ObjectCreated:Put'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'datasets/' }] } },
        },
      ],
    });
    expect(targets.map((t) => [t.kind, t.arn, t.prefix])).toEqual([
      ['topic', 'arn:aws:sns:default::s3od-events', undefined],
      ['queue', 'arn:minio:sqs::s3od:webhook', 'datasets/'],
    ]);
    expect(eventCoverage(['s3:ObjectCreated:*', 's3:ObjectRemoved:*'])).toEqual({ created: true, removed: true });
    expect(eventCoverage(['s3:ObjectCreated:Put'])).toEqual({ created: true, removed: false });
  });
});

describe('AWS S3 → SQS notification', () => {
  const s3 = mockClient(S3Client);
  afterEach(() => s3.reset());

  it('adds its queue configuration beside the others, and writes nothing when it is already there', async () => {
    const other = { Id: 'other', QueueArn: 'arn:aws:sqs:eu-central-1:1:other', Events: ['s3:ObjectCreated:*' as const] };
    s3.on(GetBucketNotificationConfigurationCommand).resolves({ QueueConfigurations: [other] });
    s3.on(PutBucketNotificationConfigurationCommand).resolves({});
    const client = new S3Client({ region: 'eu-central-1' });
    expect(await setupS3QueueNotification(client, { bucket: 'facility', queueArn: 'arn:aws:sqs:eu-central-1:1:s3od-dev-events' })).toEqual({ changed: true });
    const put = s3.commandCalls(PutBucketNotificationConfigurationCommand)[0]!.args[0].input;
    expect(put.NotificationConfiguration?.QueueConfigurations).toEqual([
      other,
      { Id: 's3od-events', QueueArn: 'arn:aws:sqs:eu-central-1:1:s3od-dev-events', Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] },
    ]);

    s3.reset();
    s3.on(GetBucketNotificationConfigurationCommand).resolves({
      QueueConfigurations: [
        other,
        { Id: 's3od-events', QueueArn: 'arn:aws:sqs:eu-central-1:1:s3od-dev-events', Events: ['s3:ObjectRemoved:*', 's3:ObjectCreated:*'] },
      ],
    });
    expect(await setupS3QueueNotification(client, { bucket: 'facility', queueArn: 'arn:aws:sqs:eu-central-1:1:s3od-dev-events' })).toEqual({ changed: false });
    expect(s3.commandCalls(PutBucketNotificationConfigurationCommand)).toHaveLength(0);
  });
});
