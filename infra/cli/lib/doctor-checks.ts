import { GetBucketNotificationConfigurationCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { GetTopicAttributesCommand, SNSClient } from '@aws-sdk/client-sns';
import { ConfigError } from '../../../shared/config/index.ts';
import { isOnedataError, type OnedataClient } from '../../../shared/onedata/index.ts';
import { eventCoverage, s3odTargets } from '../../notifications/inspect.ts';
import { redactString } from '../../../shared/log/index.ts';
import { smtpMailer } from '../../../shared/notifications/transport.ts';
import { daregClient, daregToken } from '../../../shared/dareg/index.ts';
import type { CliContext } from './context.ts';

export type CheckStatus = 'ok' | 'fail' | 'warn' | 'skip';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  hint?: string;
}

const ok = (name: string, detail: string): CheckResult => ({ name, status: 'ok', detail });
const fail = (name: string, detail: string, hint: string): CheckResult => ({ name, status: 'fail', detail, hint });
const warn = (name: string, detail: string, hint: string): CheckResult => ({ name, status: 'warn', detail, hint });
const skip = (name: string, detail: string): CheckResult => ({ name, status: 'skip', detail });

/** An error's message for a check line: the SDK's error name, or the Onedata id. */
function reason(e: unknown): string {
  if (isOnedataError(e)) return e.message;
  const err = e as { name?: string; message?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  const msg = err.message && err.message !== 'UnknownError' ? err.message : '';
  return [err.code ?? err.name, status ? `HTTP ${status}` : '', msg].filter(Boolean).join(': ') || String(e);
}

export async function checkS3(ctx: CliContext): Promise<CheckResult[]> {
  const bucket = ctx.config.bucket;
  const endpoint = ctx.env.S3OD_S3_ENDPOINT || 'AWS S3';
  try {
    await ctx.s3().send(new HeadBucketCommand({ Bucket: bucket }));
  } catch (e) {
    return [
      fail(
        'S3 reachable',
        `HeadBucket ${bucket} at ${endpoint}: ${reason(e)}`,
        `check S3OD_S3_ENDPOINT, the AWS credentials (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY) and that bucket "${bucket}" exists`,
      ),
      skip('bucket notifications', 'S3 not reachable'),
    ];
  }
  return [ok('S3 reachable', `bucket ${bucket} at ${endpoint}`), await checkNotifications(ctx)];
}

async function checkNotifications(ctx: CliContext): Promise<CheckResult> {
  const name = 'bucket notifications';
  const setupHint = 'run `s3od notifications setup` (Ceph RGW), or apply the commands of `s3od notifications setup --print-minio` (MinIO)';
  let cfg;
  try {
    cfg = await ctx.s3().send(new GetBucketNotificationConfigurationCommand({ Bucket: ctx.config.bucket }));
  } catch (e) {
    return fail(name, `GetBucketNotificationConfiguration: ${reason(e)}`, 'the credentials need s3:GetBucketNotification on the bucket');
  }
  const targets = s3odTargets(cfg);
  if (targets.length === 0) return fail(name, `no notification of bucket ${ctx.config.bucket} delivers to s3od`, setupHint);
  const t = targets[0]!;
  const cover = eventCoverage(targets.flatMap((x) => x.events));
  let detail = `${t.kind} ${t.arn}${t.id ? ` (id ${t.id})` : ''}, events ${t.events.join(', ') || '-'}${t.prefix ? `, prefix ${t.prefix}` : ''}`;
  if (t.kind === 'topic') {
    const push = await rgwTopicEndpoint(ctx, t.arn);
    if (push) detail += `, push endpoint ${push}`;
  }
  if (!cover.created) return fail(name, detail, `object-created events are missing: ${setupHint}`);
  if (!cover.removed) return warn(name, detail, 'object-removed events are missing: .running removals will not freeze datasets');
  return ok(name, detail);
}

/** RGW's topic endpoint (best effort: only RGW answers SNS calls on the S3 endpoint). */
async function rgwTopicEndpoint(ctx: CliContext, arn: string): Promise<string | undefined> {
  const endpoint = ctx.env.S3OD_S3_ENDPOINT;
  const { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret } = ctx.env;
  if (!endpoint || !id || !secret) return undefined;
  const sns = new SNSClient({ endpoint, region: ctx.env.AWS_REGION || 'us-east-1', credentials: { accessKeyId: id, secretAccessKey: secret }, maxAttempts: 1 });
  try {
    const res = await sns.send(new GetTopicAttributesCommand({ TopicArn: arn }));
    const ep = JSON.parse(res.Attributes?.EndPoint ?? '{}') as { EndpointAddress?: string };
    return ep.EndpointAddress;
  } catch {
    return undefined;
  } finally {
    sns.destroy();
  }
}

export async function checkQueues(ctx: CliContext): Promise<CheckResult[]> {
  return Promise.all((['provision', 'import'] as const).map((kind) => checkQueue(ctx, kind)));
}

async function checkQueue(ctx: CliContext, kind: 'provision' | 'import'): Promise<CheckResult> {
  const name = `${kind} queue`;
  const variable = kind === 'provision' ? 'S3OD_PROVISION_QUEUE_URL' : 'S3OD_IMPORT_QUEUE_URL';
  const url = ctx.env[variable];
  if (!url) return fail(name, `${variable} is not set`, `set ${variable} to the queue URL from the deployment's outputs`);
  try {
    const res = await ctx.sqs().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    const a = res.Attributes ?? {};
    const detail = `${url} (${a.ApproximateNumberOfMessages ?? '?'} waiting, ${a.ApproximateNumberOfMessagesNotVisible ?? '?'} in flight)`;
    const dlq = await deadLetterDepth(ctx, a.RedrivePolicy);
    if (dlq && dlq.depth > 0) {
      return warn(
        name,
        `${detail}; ${dlq.depth} jobs in the dead-letter queue ${dlq.name}`,
        'jobs that failed maxReceiveCount times: fix the cause, then move them back with SQS redrive (StartMessageMoveTask) or `s3od retry --failed`',
      );
    }
    return ok(name, detail);
  } catch (e) {
    return fail(name, `GetQueueAttributes ${url}: ${reason(e)}`, `check ${variable}, S3OD_SQS_ENDPOINT and the credentials (sqs:GetQueueAttributes)`);
  }
}

async function deadLetterDepth(ctx: CliContext, redrivePolicy: string | undefined): Promise<{ name: string; depth: number } | undefined> {
  try {
    const arn = (JSON.parse(redrivePolicy ?? '{}') as { deadLetterTargetArn?: string }).deadLetterTargetArn;
    const name = arn?.split(':').pop();
    if (!name) return undefined;
    const { QueueUrl } = await ctx.sqs().send(new GetQueueUrlCommand({ QueueName: name }));
    const res = await ctx.sqs().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }));
    return { name, depth: Number(res.Attributes?.ApproximateNumberOfMessages ?? 0) };
  } catch {
    return undefined;
  }
}

/** A 21.02.x version (what s3od is built and tested against). */
export function isSupportedVersion(version: string | undefined): boolean {
  return typeof version === 'string' && /^21\.02\./.test(version);
}

export async function checkOnedata(ctx: CliContext): Promise<CheckResult[]> {
  const { config } = ctx;
  const zoneHost = config.restAccess.onezone.host;
  const providerHost = config.restAccess.oneproviders[0]!.host;
  const pub = ctx.onedata({ publicOnly: true, retries: 0, timeoutMs: 5000 });
  const [zone, provider, panel] = await Promise.allSettled([pub.zone.getConfiguration(), pub.provider.getConfiguration(), pub.panel.getConfiguration()]);
  const results: CheckResult[] = [];
  const reach = (label: string, host: string, key: string, r: PromiseSettledResult<{ version: string }>, extra = '') =>
    r.status === 'fulfilled'
      ? ok(`${label} reachable`, `${host} (version ${r.value.version}${extra})`)
      : fail(`${label} reachable`, reason(r.reason), `check ${key} (${host}): the URL, DNS, TLS and firewall between here and ${label}`);
  results.push(reach('Onezone', zoneHost, 'restAccess.onezone.host', zone));
  results.push(
    reach(
      'Oneprovider',
      providerHost,
      'restAccess.oneproviders[primary].host',
      provider,
      provider.status === 'fulfilled' ? `, provider ${provider.value.providerId}` : '',
    ),
  );
  results.push(reach('Onepanel', `${providerHost}/api/v3/onepanel`, 'restAccess.oneproviders[primary].host', panel));

  const versions = [
    ['Onezone', zone],
    ['Oneprovider', provider],
    ['Onepanel', panel],
  ] as const;
  const known = versions
    .filter(([, r]) => r.status === 'fulfilled')
    .map(([n, r]) => [n, (r as PromiseFulfilledResult<{ version: string }>).value.version] as const);
  if (known.length === 0) results.push(skip('versions compatible', 'no service reachable'));
  else {
    const odd = known.filter(([, v]) => !isSupportedVersion(v));
    const list = known.map(([n, v]) => `${n} ${v}`).join(', ');
    const compat = zone.status === 'fulfilled' ? zone.value.compatibleOneproviderVersions : undefined;
    const providerVersion = provider.status === 'fulfilled' ? provider.value.version : undefined;
    if (odd.length)
      results.push(
        warn('versions compatible', list, `s3od is built and tested for Onedata 21.02.x; ${odd.map(([n]) => n).join(', ')} may differ in API details`),
      );
    else if (compat && providerVersion && !compat.includes(providerVersion))
      results.push(warn('versions compatible', list, `Onezone does not list Oneprovider ${providerVersion} among its compatible versions`));
    else results.push(ok('versions compatible', list));
  }

  let od: OnedataClient;
  try {
    od = ctx.onedata({ retries: 0, timeoutMs: 5000 });
  } catch (e) {
    const detail = e instanceof ConfigError ? e.problems.map((p) => `${p.key} ${p.message}`).join('; ') : reason(e);
    for (const n of ['Onezone token', 'Onepanel token', 'manager group spaces'])
      results.push(fail(n, detail, 'set S3OD_ONEZONE_TOKEN (and S3OD_ONEPROVIDER_TOKEN if the provider needs another token)'));
    return results;
  }
  const zoneUp = zone.status === 'fulfilled';
  const panelUp = panel.status === 'fulfilled';
  const [user, storages, spaces] = await Promise.allSettled([
    zoneUp ? od.zone.getCurrentUser() : Promise.reject(new Error('skip')),
    panelUp ? od.panel.listStorages() : Promise.reject(new Error('skip')),
    zoneUp ? od.zone.listGroupSpaces(config.managerGroupId) : Promise.reject(new Error('skip')),
  ]);
  results.push(
    !zoneUp
      ? skip('Onezone token', 'Onezone not reachable')
      : user.status === 'fulfilled'
        ? ok('Onezone token', `user ${user.value.username ?? user.value.fullName ?? ''} (${user.value.userId})`.replace(' ()', ''))
        : fail(
            'Onezone token',
            reason(user.reason),
            'S3OD_ONEZONE_TOKEN is not accepted by Onezone: create an access token of the service user (no expired time caveat, Onezone service allowed)',
          ),
  );
  results.push(
    !panelUp
      ? skip('Onepanel token', 'Onepanel not reachable')
      : storages.status === 'fulfilled'
        ? ok('Onepanel token', `cluster member (${storages.value.length} storages listed)`)
        : fail(
            'Onepanel token',
            reason(storages.reason),
            "the provider token (S3OD_ONEPROVIDER_TOKEN, default the Onezone token) must belong to a member of the Oneprovider's cluster with cluster_update, and allow the Onepanel service",
          ),
  );
  results.push(
    !zoneUp
      ? skip('manager group spaces', 'Onezone not reachable')
      : spaces.status === 'fulfilled'
        ? ok('manager group spaces', `group ${config.managerGroupId} has ${spaces.value.length} spaces`)
        : fail(
            'manager group spaces',
            reason(spaces.reason),
            `the token's user must be a member of managerGroupId ${config.managerGroupId} with group_view and space-creation privileges (check the id)`,
          ),
  );
  return results;
}

/**
 * The SMTP server, when email is enabled (fs2od's connection test did the same): connect, EHLO,
 * STARTTLS or TLS as configured, AUTH when a login is set. Nothing is sent.
 */
export async function checkMail(ctx: CliContext): Promise<CheckResult[]> {
  const email = ctx.config.messaging.email;
  if (!email.enabled) return [];
  const name = 'SMTP reachable';
  const where = `${email.smtpServer}:${email.smtpPort} (${email.encryptionMethod}${email.login ? ', AUTH' : ''})`;
  try {
    // Only the SMTP password: a missing Onezone token is the Onedata checks' failure, not this one's.
    await smtpMailer(email, ctx.serviceSecrets().smtpPassword).verify();
    return [ok(name, where)];
  } catch (e) {
    const err = e as { code?: string; message?: string };
    return [
      fail(
        name,
        redactString(`${where}: ${err.code ? `${err.code} ` : ''}${err.message ?? String(e)}`),
        'check messaging.credentials.email (smtpServer, smtpPort, encryptionMethod, login, caFile) and S3OD_SMTP_PASSWORD',
      ),
    ];
  }
}

/**
 * DAREG, the dataset register, when enabled (fs2od's connection test did the same): `GET {host}`
 * with the token. Nothing is registered.
 */
export async function checkDareg(ctx: CliContext): Promise<CheckResult[]> {
  const dareg = ctx.config.dareg;
  if (!dareg.enabled) return [];
  const name = 'DAREG reachable';
  const hint = 'check dareg.host and the token (S3OD_DAREG_TOKEN, or dareg.token in the config file)';
  // Only the DAREG token: ctx.secrets() would throw for a missing Onezone token and stop doctor.
  const secrets = ctx.serviceSecrets();
  if (!daregToken(ctx.config, secrets)) return [fail(name, `${dareg.host}: no token`, hint)];
  try {
    const status = await daregClient(ctx.config, secrets).ping();
    return [ok(name, `${dareg.host} (HTTP ${status})`)];
  } catch (e) {
    return [fail(name, redactString((e as Error).message ?? String(e)), hint)];
  }
}
