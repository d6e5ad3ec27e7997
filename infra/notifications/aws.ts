import {
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  type QueueConfiguration,
  type S3Client,
} from '@aws-sdk/client-s3';

/**
 * AWS S3 → SQS: the bucket's notification configuration sends object-created and object-removed
 * events to the deployment's events queue (serverless.yml's EventsQueue), which triggers
 * on-object-event. The queue's policy must allow s3.amazonaws.com to send from this bucket.
 *
 * Idempotent like the RGW setup: other entries of the configuration are kept, ours is written
 * only when it differs.
 */
export interface S3QueueNotificationSpec {
  bucket: string;
  queueArn: string;
  prefix?: string;
  notificationId?: string;
}

export const S3OD_EVENTS: QueueConfiguration['Events'] = ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'];

export async function setupS3QueueNotification(s3: S3Client, spec: S3QueueNotificationSpec): Promise<{ changed: boolean }> {
  const id = spec.notificationId ?? 's3od-events';
  const wanted: QueueConfiguration = {
    Id: id,
    QueueArn: spec.queueArn,
    Events: S3OD_EVENTS,
    ...(spec.prefix ? { Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: spec.prefix }] } } } : {}),
  };
  const existing = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: spec.bucket }));
  const mine = (existing.QueueConfigurations ?? []).find((q) => q.Id === id);
  const same =
    mine !== undefined &&
    mine.QueueArn === wanted.QueueArn &&
    JSON.stringify([...(mine.Events ?? [])].sort()) === JSON.stringify([...wanted.Events!].sort()) &&
    (mine.Filter?.Key?.FilterRules?.find((r) => r.Name?.toLowerCase() === 'prefix')?.Value ?? '') === (spec.prefix ?? '');
  if (same) return { changed: false };
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: spec.bucket,
      NotificationConfiguration: {
        TopicConfigurations: existing.TopicConfigurations,
        QueueConfigurations: [...(existing.QueueConfigurations ?? []).filter((q) => q.Id !== id), wanted],
        LambdaFunctionConfigurations: existing.LambdaFunctionConfigurations,
        ...(existing.EventBridgeConfiguration ? { EventBridgeConfiguration: existing.EventBridgeConfiguration } : {}),
      },
    }),
  );
  return { changed: true };
}
