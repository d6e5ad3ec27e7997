import type { GetBucketNotificationConfigurationCommandOutput } from '@aws-sdk/client-s3';

/**
 * Reading a bucket's notification configuration back: which entries deliver to s3od, and whether
 * they cover the events s3od needs (object created: provisioning and import; object removed:
 * `.running` freezes and removal counts).
 */
export interface NotificationTarget {
  kind: 'topic' | 'queue' | 'lambda';
  id?: string;
  /** RGW / SNS topic ARN, SQS queue ARN (AWS, or MinIO's arn:minio:sqs::<id>:webhook), Lambda ARN. */
  arn: string;
  events: string[];
  prefix?: string;
}

type NotificationConfiguration = Pick<
  GetBucketNotificationConfigurationCommandOutput,
  'TopicConfigurations' | 'QueueConfigurations' | 'LambdaFunctionConfigurations'
>;

function prefixOf(filter: { Key?: { FilterRules?: { Name?: string; Value?: string }[] } } | undefined): string | undefined {
  return filter?.Key?.FilterRules?.find((r) => r.Name?.toLowerCase() === 'prefix')?.Value;
}

/** Every entry of the configuration, as targets. */
export function notificationTargets(cfg: NotificationConfiguration): NotificationTarget[] {
  const out: NotificationTarget[] = [];
  const add = (
    kind: NotificationTarget['kind'],
    id: string | undefined,
    arn: string | undefined,
    events: string[] | undefined,
    filter: Parameters<typeof prefixOf>[0],
  ) => {
    if (!arn) return;
    const prefix = prefixOf(filter);
    out.push({ kind, arn, events: events ?? [], ...(id ? { id } : {}), ...(prefix ? { prefix } : {}) });
  };
  for (const t of cfg.TopicConfigurations ?? []) add('topic', t.Id, t.TopicArn, t.Events, t.Filter);
  for (const q of cfg.QueueConfigurations ?? []) add('queue', q.Id, q.QueueArn, q.Events, q.Filter);
  for (const l of cfg.LambdaFunctionConfigurations ?? []) add('lambda', l.Id, l.LambdaFunctionArn, l.Events, l.Filter);
  return out;
}

/**
 * Entries that deliver to s3od: named by `s3od notifications setup` (id `s3od-…`), or whose
 * destination's name says s3od (the RGW topic, MinIO's `arn:minio:sqs::s3od:webhook`, the
 * deployment's `s3od-<stage>-events` queue).
 */
export function s3odTargets(cfg: NotificationConfiguration): NotificationTarget[] {
  return notificationTargets(cfg).filter((t) => t.id?.startsWith('s3od') || /s3od/i.test(t.arn));
}

/** Whether the events of an entry include object creation and removal (wildcards count). */
export function eventCoverage(events: string[]): { created: boolean; removed: boolean } {
  const has = (kind: string) => events.some((e) => e === 's3:*' || e.startsWith(`s3:${kind}:`) || e.startsWith(`${kind}:`));
  return { created: has('ObjectCreated'), removed: has('ObjectRemoved') };
}
