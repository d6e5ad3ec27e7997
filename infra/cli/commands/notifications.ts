import { setupS3QueueNotification } from '../../notifications/aws.ts';
import { minioSetupCommands, notificationPrefix } from '../../notifications/minio.ts';
import { setupRgwNotifications } from '../../notifications/rgw.ts';
import { intOption, parseCommandArgs } from '../lib/args.ts';
import { CONFIG_HELP, withContext, type Command } from '../lib/command.ts';
import type { CliContext } from '../lib/context.ts';
import { CommandFailed, EXIT, UsageError } from '../lib/io.ts';

const OPTIONS = {
  topic: { type: 'string' },
  endpoint: { type: 'string' },
  persistent: { type: 'boolean' },
  'print-minio': { type: 'boolean' },
  alias: { type: 'string' },
  'queue-dir': { type: 'string' },
  'queue-limit': { type: 'string' },
  'sqs-arn': { type: 'string' },
  json: { type: 'boolean' },
} as const;

const DEFAULT_TOPIC = 's3od-events';

/** The on-object-event URL: --endpoint, S3OD_EVENTS_ENDPOINT, or the local stack's function. */
function pushEndpoint(ctx: CliContext | undefined, explicit: string | undefined, env: NodeJS.ProcessEnv): string {
  const url = explicit ?? env.S3OD_EVENTS_ENDPOINT ?? (ctx?.settings.stack ? `${ctx.settings.stack.functionsUrl}/function/on-object-event` : undefined);
  if (!url)
    throw new UsageError('--endpoint URL is required: the URL of the on-object-event function (e.g. http://gateway.openfaas:8080/function/on-object-event)');
  if (!/^https?:\/\/[^\s/]+/.test(url)) throw new UsageError(`--endpoint must be an http(s) URL (got ${JSON.stringify(url)})`);
  return url;
}

export const notificationsCommand: Command = {
  words: ['notifications', 'setup'],
  summary: 'create/update the bucket notification to s3od (RGW; MinIO commands; AWS SQS)',
  help: `Usage: s3od notifications setup [--topic NAME] [--endpoint URL] [--persistent]
       s3od notifications setup --print-minio [--endpoint URL] [--alias A] [--queue-dir D] [--queue-limit N]
       s3od notifications setup --sqs-arn ARN

Makes the bucket's object-created and object-removed events reach on-object-event.

Ceph RGW (default): creates or updates the topic (push endpoint = on-object-event, OpaqueData =
S3OD_WEBHOOK_TOKEN so the function can authenticate deliveries) and the bucket notification
that uses it. Idempotent: a second run reports "unchanged".
  --topic NAME      topic name (default ${DEFAULT_TOPIC})
  --endpoint URL    the on-object-event URL RGW pushes to (default: S3OD_EVENTS_ENDPOINT, or the
                    local stack's function)
  --persistent      persistent topic: RGW queues events and retries until acknowledged
                    (at-least-once; recommended in production)

MinIO (--print-minio): prints the equivalent mc commands instead (a webhook target with
queue_dir, and mc event add); nothing is changed. The auth token appears as
$S3OD_WEBHOOK_TOKEN, for your shell to expand.
  --alias A         the mc alias of the deployment (default ALIAS)
  --queue-dir D     where MinIO keeps undelivered events (default /data/.s3od-events)
  --queue-limit N   at most N waiting events (default 100000)

AWS S3 (--sqs-arn ARN): a queue notification to the deployment's events queue (serverless.yml's
EventsQueue; the stack output EventsQueueArn).

Exit codes: 0 done, 1 the S3/RGW calls failed, 2 usage error.

${CONFIG_HELP}`,
  async run(argv, env) {
    const { values } = parseCommandArgs(argv, OPTIONS, { min: 0, max: 0, names: '' });
    const modes = [values['print-minio'], values['sqs-arn'] !== undefined].filter(Boolean).length;
    if (modes > 1) throw new UsageError('--print-minio and --sqs-arn are different setups; give one');
    const queueLimit = intOption('queue-limit', values['queue-limit'], 100000, 1);
    return withContext(values, env, async (ctx) => {
      const { output } = env;
      const { config } = ctx;
      const prefix = notificationPrefix(config.watchedDirectories);

      if (values['print-minio']) {
        const lines = minioSetupCommands({
          alias: values.alias ?? 'ALIAS',
          bucket: config.bucket,
          endpoint: pushEndpoint(ctx, values.endpoint, ctx.env),
          queueDir: values['queue-dir'] ?? '/data/.s3od-events',
          queueLimit,
          ...(prefix ? { prefix } : {}),
        });
        for (const line of lines) output.out(line);
        if (!ctx.env.S3OD_WEBHOOK_TOKEN)
          output.err('note: S3OD_WEBHOOK_TOKEN is not set here; set it (the same value as the functions have) before running these commands');
        return EXIT.ok;
      }

      if (values['sqs-arn']) {
        const res = await setupS3QueueNotification(ctx.s3(), { bucket: config.bucket, queueArn: values['sqs-arn'], ...(prefix ? { prefix } : {}) });
        if (values.json) output.json({ mode: 'aws', bucket: config.bucket, queueArn: values['sqs-arn'], changed: res.changed });
        else output.out(`bucket notification s3od-events on ${config.bucket} → ${values['sqs-arn']}: ${res.changed ? 'written' : 'unchanged'}`);
        return EXIT.ok;
      }

      const endpoint = ctx.env.S3OD_S3_ENDPOINT;
      const { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey } = ctx.env;
      if (!endpoint)
        throw new CommandFailed('S3OD_S3_ENDPOINT is not set: the RGW endpoint (topics are created on it). For AWS S3 use --sqs-arn, for MinIO --print-minio');
      if (!accessKeyId || !secretAccessKey) throw new CommandFailed('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are needed to create the RGW topic');
      const topicName = values.topic ?? DEFAULT_TOPIC;
      const webhookToken = ctx.env.S3OD_WEBHOOK_TOKEN || undefined;
      if (!webhookToken)
        output.err('warning: S3OD_WEBHOOK_TOKEN is not set: the topic carries no OpaqueData, and on-object-event refuses deliveries without the token (401)');
      const res = await setupRgwNotifications(ctx.s3(), {
        endpoint,
        region: ctx.env.AWS_REGION || 'us-east-1',
        credentials: { accessKeyId, secretAccessKey },
        bucket: config.bucket,
        topicName,
        pushEndpoint: pushEndpoint(ctx, values.endpoint, ctx.env),
        ...(webhookToken ? { webhookToken } : {}),
        persistent: Boolean(values.persistent),
        ...(prefix ? { prefix } : {}),
      });
      const unchanged = !res.topicChanged && !res.notificationChanged;
      if (values.json)
        output.json({
          mode: 'rgw',
          bucket: config.bucket,
          topicArn: res.topicArn,
          topicChanged: res.topicChanged,
          notificationChanged: res.notificationChanged,
          unchanged,
        });
      else {
        output.out(`topic ${topicName} (${res.topicArn}): ${res.topicChanged ? 'created or updated' : 'unchanged'}`);
        output.out(
          `bucket notification s3od-${topicName} on ${config.bucket}${prefix ? ` (prefix ${prefix})` : ''}: ${res.notificationChanged ? 'written' : 'unchanged'}`,
        );
        output.out(
          unchanged ? 'unchanged: the bucket already sends its events to s3od' : 'done: the bucket sends object-created and object-removed events to s3od',
        );
      }
      return EXIT.ok;
    });
  },
};
