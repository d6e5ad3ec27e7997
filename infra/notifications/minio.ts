/**
 * MinIO bucket notifications for s3od: a webhook target pointing at on-object-event, with a
 * `queue_dir` so MinIO stores each event on disk and retries until it is acknowledged
 * (at-least-once; without it events are dropped while the endpoint is down), bound to the bucket
 * for object-created and object-removed events. MinIO is configured with `mc`, not through an API
 * s3od could call with S3 credentials, so s3od prints the commands.
 *
 * The webhook's `auth_token` reaches the function as `Authorization: Bearer <token>`; it is
 * written as `$S3OD_WEBHOOK_TOKEN` for the shell to expand, never as its value.
 */
export interface MinioWebhookSpec {
  /** The `mc` alias of the MinIO deployment. */
  alias: string;
  bucket: string;
  /** The function URL MinIO posts to (MinIO strips a trailing slash). */
  endpoint: string;
  /** Target id: the ARN becomes arn:minio:sqs::<id>:webhook. */
  targetId?: string;
  /** Directory on the MinIO server where undelivered events wait. */
  queueDir: string;
  queueLimit: number;
  /** Key prefix filter; empty = the whole bucket. */
  prefix?: string;
}

export const MINIO_TARGET_ID = 's3od';

export function minioWebhookArn(targetId = MINIO_TARGET_ID): string {
  return `arn:minio:sqs::${targetId}:webhook`;
}

/** Double-quotes a value for a POSIX shell without letting it expand anything. */
function shellQuote(v: string): string {
  return `"${v.replace(/(["\\$`])/g, '\\$1')}"`;
}

/**
 * The prefix filter for a bucket notification: the literal leading components of the watched
 * directories when they all share one; undefined (whole bucket) otherwise — on-object-event drops
 * keys outside the watched directories anyway, the filter only saves deliveries.
 */
export function notificationPrefix(watchedDirectories: string[]): string | undefined {
  const literal = watchedDirectories.map((d) => {
    const parts: string[] = [];
    for (const c of d.split('/')) {
      if (!c || /[*?[]/.test(c)) break;
      parts.push(c);
    }
    return parts.length ? `${parts.join('/')}/` : '';
  });
  const first = literal[0];
  return first && literal.every((p) => p === first) ? first : undefined;
}

export function minioSetupCommands(spec: MinioWebhookSpec): string[] {
  const id = spec.targetId ?? MINIO_TARGET_ID;
  const settings = [
    `endpoint=${shellQuote(spec.endpoint)}`,
    // Left for the shell to expand: the value never appears in s3od's output.
    'auth_token="$S3OD_WEBHOOK_TOKEN"',
    `queue_dir=${shellQuote(spec.queueDir)}`,
    `queue_limit=${shellQuote(String(spec.queueLimit))}`,
  ];
  const event = [
    `mc event add ${spec.alias}/${spec.bucket} ${minioWebhookArn(id)} --event put,delete`,
    ...(spec.prefix ? [`--prefix ${shellQuote(spec.prefix)}`] : []),
    '--ignore-existing',
  ];
  return [
    `# 1. The webhook target (events wait in queue_dir until on-object-event acknowledges them).`,
    `mc admin config set ${spec.alias} notify_webhook:${id} ${settings.join(' ')}`,
    `mc admin service restart ${spec.alias}`,
    `# 2. Send the bucket's object-created and object-removed events to it.`,
    event.join(' '),
    `# Check: mc event ls ${spec.alias}/${spec.bucket} ${minioWebhookArn(id)}`,
  ];
}
