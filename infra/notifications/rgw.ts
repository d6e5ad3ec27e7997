import {
  GetBucketNotificationConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  type FilterRule,
  type S3Client,
  type TopicConfiguration,
} from '@aws-sdk/client-s3';
import { RESERVED_PREFIX } from '../../shared/dataset/ref.ts';
import { CreateTopicCommand, GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';

/**
 * Ceph RGW bucket notifications: an SNS-style topic on the RGW endpoint whose `push-endpoint` is
 * s3od's webhook, and a bucket notification configuration that sends object-created and
 * object-removed events to it. RGW cannot send an Authorization header, so the webhook secret
 * travels as the topic's OpaqueData, which RGW copies into every record.
 *
 * s3od's own objects (`.s3od/`: dataset records, name claims — most of the PUTs s3od makes) are
 * left out with an RGW `regex` filter rule: RGW pushes nothing for them, which spares it a
 * synchronous HTTP push per record write and on-object-event an invocation it would only drop.
 * (Standard S3 has only prefix and suffix rules; on AWS and MinIO such events are dropped by
 * on-object-event.)
 *
 * Idempotent: CreateTopic with the same name updates the topic; the notification configuration is
 * only written when it differs. RGW keeps a *copy* of the topic's endpoint in each bucket
 * notification, so when the topic changes the configuration is rewritten too.
 */
export interface RgwNotificationSpec {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  bucket: string;
  topicName: string;
  /** The function URL RGW pushes to, e.g. http://gateway:8080/function/on-object-event */
  pushEndpoint: string;
  /** Shared secret delivered as opaqueData in every record. */
  webhookToken?: string;
  /** Persistent topics queue events in RADOS and retry until acknowledged (at-least-once). */
  persistent: boolean;
  /** Key prefix filter (optional; "" = whole bucket). */
  prefix?: string;
  notificationId?: string;
}

export interface SetupResult {
  topicArn: string;
  topicChanged: boolean;
  notificationChanged: boolean;
}

export function rgwTopicAttributes(spec: RgwNotificationSpec): Record<string, string> {
  const attrs: Record<string, string> = { 'push-endpoint': spec.pushEndpoint, persistent: String(spec.persistent) };
  if (spec.webhookToken) attrs.OpaqueData = spec.webhookToken;
  return attrs;
}

export async function setupRgwNotifications(s3: S3Client, spec: RgwNotificationSpec): Promise<SetupResult> {
  const sns = new SNSClient({ endpoint: spec.endpoint, region: spec.region, credentials: spec.credentials });
  try {
    const wanted = rgwTopicAttributes(spec);
    const id = spec.notificationId ?? `s3od-${spec.topicName}`;
    // Compare with the existing topic (if any) before touching it.
    let topicChanged = true;
    const arnGuess = `arn:aws:sns:${spec.region === 'us-east-1' ? 'default' : spec.region}::${spec.topicName}`;
    try {
      const cur = await sns.send(new GetTopicAttributesCommand({ TopicArn: arnGuess }));
      const a = cur.Attributes ?? {};
      const endpointNow = parseRgwTopicEndpoint(a);
      topicChanged = !(
        endpointNow.pushEndpoint === wanted['push-endpoint'] &&
        endpointNow.opaqueData === (wanted.OpaqueData ?? '') &&
        endpointNow.persistent === spec.persistent
      );
    } catch {
      topicChanged = true;
    }
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: spec.topicName, Attributes: wanted }));
    if (!TopicArn) throw new Error('RGW CreateTopic returned no TopicArn');
    const config: TopicConfiguration = {
      Id: id,
      TopicArn,
      Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
      Filter: { Key: { FilterRules: rgwFilterRules(spec.prefix) } },
    };
    const existing = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: spec.bucket }));
    const others = (existing.TopicConfigurations ?? []).filter((t) => t.Id !== id);
    const mine = (existing.TopicConfigurations ?? []).find((t) => t.Id === id);
    const same =
      !topicChanged &&
      mine?.TopicArn === TopicArn &&
      JSON.stringify([...(mine?.Events ?? [])].sort()) === JSON.stringify([...config.Events!].sort()) &&
      sameRules(mine?.Filter?.Key?.FilterRules, config.Filter!.Key!.FilterRules!);
    if (!same) {
      await s3.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: spec.bucket,
          NotificationConfiguration: {
            TopicConfigurations: [...others, config],
            QueueConfigurations: existing.QueueConfigurations,
            LambdaFunctionConfigurations: existing.LambdaFunctionConfigurations,
          },
        }),
      );
    }
    return { topicArn: TopicArn, topicChanged, notificationChanged: !same };
  } finally {
    sns.destroy();
  }
}

/**
 * Every key except s3od's own (RESERVED_PREFIX, at the bucket root), and only under `prefix` when
 * given. RGW matches the regex with std::regex (ECMAScript: the lookahead works; checked on 16.2).
 * The SDK types FilterRule names as prefix | suffix; RGW's `regex` goes through as written.
 */
export function rgwFilterRules(prefix: string | undefined): FilterRule[] {
  const own = RESERVED_PREFIX.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return [...(prefix ? [{ Name: 'prefix' as const, Value: prefix }] : []), { Name: 'regex' as FilterRule['Name'], Value: `^(?!${own}).*` }];
}

function sameRules(a: FilterRule[] | undefined, b: FilterRule[]): boolean {
  const norm = (rules: FilterRule[]) => JSON.stringify(rules.map((r) => `${r.Name?.toLowerCase()}=${r.Value}`).sort());
  return norm(a ?? []) === norm(b);
}

/** RGW 16.2 reports a topic's endpoint as JSON inside the EndPoint attribute. */
function parseRgwTopicEndpoint(attrs: Record<string, string>): { pushEndpoint?: string; opaqueData: string; persistent: boolean } {
  let pushEndpoint: string | undefined;
  let persistent = false;
  try {
    const ep = JSON.parse(attrs.EndPoint ?? '{}') as { EndpointAddress?: string; EndpointArgs?: string; Persistent?: boolean | string };
    pushEndpoint = ep.EndpointAddress;
    persistent = ep.Persistent === true || ep.Persistent === 'true' || /(^|&)persistent=true/.test(ep.EndpointArgs ?? '');
  } catch {
    /* unknown format: treat as changed */
  }
  return { pushEndpoint, opaqueData: attrs.OpaqueData ?? '', persistent };
}
