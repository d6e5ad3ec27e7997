import { randomUUID } from 'node:crypto';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { endpointAuthFromEnv, endpointAuthWarning, isAuthorizedJobCall, isJsonContentType } from '../../../shared/events/webhook-auth.ts';
import { log } from '../../../shared/log/index.ts';
import {
  bodyText,
  loadSecretFiles,
  normalizeHeaders,
  parseGoDuration,
  reply,
  type OpenFaasContext,
  type OpenFaasEvent,
  type OpenFaasHandler,
} from './template.ts';

/**
 * The SQS-fed functions (provision, import) on OpenFaaS. OpenFaaS CE has no SQS connector, so
 * s3od's queue worker (infra/openfaas/queue-worker.ts) plays Lambda's event-source mapping: it
 * receives a batch from the SQS-compatible queue and POSTs it here as a Lambda SQS event
 * (`{"Records":[...]}` with real receipt handles). The same middy handler as on AWS runs and
 * its `{"batchItemFailures":[...]}` goes back to the worker, which deletes only the rest.
 *
 * A bare job (`{"type":"provision",...}`, e.g. `faas-cli invoke provision < job.json`) is run as
 * a one-record batch; its failure answers 500 because no queue will retry it.
 *
 * Every call needs `Authorization: Bearer <S3OD_JOBS_TOKEN>` (the gateway does not authenticate
 * /function/* routes) and a JSON body. HEAD/GET probes answer 200 and do nothing.
 */
type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void | unknown>;

let initialised = false;
function init(): void {
  if (initialised) return;
  loadSecretFiles();
  initialised = true;
}

let authWarned = false;
/** Jobs and invocations take the jobs token, never the webhook token (which rides in every notification). */
export function authorized(event: OpenFaasEvent): boolean {
  const auth = endpointAuthFromEnv('jobs', process.env);
  const warning = authWarned ? undefined : endpointAuthWarning('jobs', auth);
  authWarned = true;
  if (warning) log.warn(warning);
  return isAuthorizedJobCall(auth, normalizeHeaders(event.headers));
}

/** A Lambda-like context whose remaining time follows the watchdog's exec_timeout. */
export function functionContext(fn: string, defaultTimeoutMs: number, env: NodeJS.ProcessEnv = process.env): Context {
  const deadline = Date.now() + parseGoDuration(env.exec_timeout, defaultTimeoutMs);
  const name = `s3od-${fn}`;
  return {
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `openfaas:${name}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: name,
    logStreamName: env.HOSTNAME ?? 'openfaas',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function isSqsRecord(r: unknown): r is SQSRecord {
  const x = r as SQSRecord;
  return typeof x?.messageId === 'string' && typeof x.body === 'string' && typeof x.receiptHandle === 'string';
}

/** One synthetic record around a bare job (no receipt handle: nothing to delete or defer). */
export function wrapJob(job: unknown, fn: string): SQSEvent {
  const now = String(Date.now());
  return {
    Records: [
      {
        messageId: `direct-${randomUUID()}`,
        receiptHandle: '',
        body: JSON.stringify(job),
        attributes: { ApproximateReceiveCount: '1', SentTimestamp: now, SenderId: 'direct', ApproximateFirstReceiveTimestamp: now },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: `direct:${fn}`,
        awsRegion: process.env.AWS_REGION ?? '',
      },
    ],
  };
}

export function createQueueFedHandler(fn: string, handler: SqsHandler, defaultTimeoutMs: number): OpenFaasHandler {
  const logger = log.child({ fn, platform: 'openfaas' });
  return async (event: OpenFaasEvent, context: OpenFaasContext) => {
    init();
    if ((event.method || '').toUpperCase() !== 'POST') return reply(context, 200, '');
    if (!authorized(event)) {
      logger.warn('invocation rejected: not authenticated');
      return reply(context, 401, { error: 'unauthorized' });
    }
    if (!isJsonContentType(normalizeHeaders(event.headers))) return reply(context, 415, { error: 'the body must be JSON (content-type: application/json)' });
    let payload: unknown;
    try {
      payload = JSON.parse(bodyText(event.body));
    } catch {
      return reply(context, 400, { error: 'the body must be JSON: an SQS event {"Records":[...]} or one job' });
    }
    const records = (payload as { Records?: unknown[] })?.Records;
    let sqsEvent: SQSEvent;
    let direct = false;
    if (Array.isArray(records) && records.length > 0 && records.every(isSqsRecord)) sqsEvent = payload as SQSEvent;
    else if (typeof (payload as { type?: unknown })?.type === 'string') {
      sqsEvent = wrapJob(payload, fn);
      direct = true;
    } else return reply(context, 400, { error: 'expected an SQS event {"Records":[...]} or one job' });
    try {
      const result = (await handler(sqsEvent, functionContext(fn, defaultTimeoutMs))) as SQSBatchResponse | undefined;
      const failures = result?.batchItemFailures ?? [];
      if (direct)
        return failures.length
          ? reply(context, 500, { error: 'the job failed (see the function log); it was not queued, so nothing retries it' })
          : reply(context, 200, { ok: true });
      return reply(context, 200, { batchItemFailures: failures });
    } catch (e) {
      // The whole batch comes back after the visibility timeout, as with Lambda.
      logger.error('invocation failed', { error: e });
      return reply(context, 500, { error: 'internal error' });
    }
  };
}

/** reconcile: run on a schedule by the queue worker (POST, optional body {"prefix": "..."}). */
export function createInvokeHandler(
  fn: string,
  handler: (event: Record<string, unknown>, context: Context) => Promise<unknown>,
  defaultTimeoutMs: number,
): OpenFaasHandler {
  const logger = log.child({ fn, platform: 'openfaas' });
  return async (event: OpenFaasEvent, context: OpenFaasContext) => {
    init();
    if ((event.method || '').toUpperCase() !== 'POST') return reply(context, 200, '');
    if (!authorized(event)) return reply(context, 401, { error: 'unauthorized' });
    const text = bodyText(event.body).trim();
    if (text && !isJsonContentType(normalizeHeaders(event.headers)))
      return reply(context, 415, { error: 'the body must be JSON (content-type: application/json)' });
    let input: Record<string, unknown> = {};
    if (text) {
      try {
        const parsed = JSON.parse(text) as unknown;
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) input = parsed as Record<string, unknown>;
      } catch {
        return reply(context, 400, { error: 'the body must be empty or a JSON object' });
      }
    }
    try {
      return reply(context, 200, (await handler(input, functionContext(fn, defaultTimeoutMs))) ?? { ok: true });
    } catch (e) {
      logger.error('invocation failed', { error: e });
      return reply(context, 500, { error: 'internal error' });
    }
  };
}
