import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, S3Event, SQSEvent, SQSRecord } from 'aws-lambda';
import { ingestEvents } from '../../shared/events/ingest.ts';
import { normalizeNotification, NotificationFormatError, readNotification } from '../../shared/events/normalize.ts';
import { deliveryAuthorizedBy, endpointAuthFromEnv, endpointAuthWarning, isJsonContentType, type EndpointAuth } from '../../shared/events/webhook-auth.ts';
import { log } from '../../shared/log/index.ts';
import { functionMetrics } from '../../shared/metrics/index.ts';
import { getRuntime } from '../../shared/runtime/index.ts';
import { sqsBatchFailures } from '../lib/middleware.ts';

/**
 * on-object-event: bucket notifications in, provision/import jobs out. Three ways in:
 * - HTTP (webhook from Ceph RGW or MinIO, through API Gateway, OpenFaaS or the local runner);
 * - SQS (S3 → SQS on AWS), with partial batch failures;
 * - S3 invoking the function directly.
 */
const logger = log.child({ fn: 'on-object-event' });
const metrics = functionMetrics('on-object-event', logger);

type AnyEvent = APIGatewayProxyEventV2 | SQSEvent | S3Event;

function isHttp(e: AnyEvent): e is APIGatewayProxyEventV2 {
  return typeof (e as APIGatewayProxyEventV2).requestContext?.http?.method === 'string';
}
function isSqs(e: AnyEvent): e is SQSEvent {
  return Array.isArray((e as SQSEvent).Records) && (e as SQSEvent).Records[0]?.eventSource === 'aws:sqs';
}

const json = (statusCode: number, body: unknown): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export async function handleHttp(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
  const method = event.requestContext.http.method.toUpperCase();
  // MinIO probes a webhook target with HEAD (and people with GET): answer without doing anything.
  if (method !== 'POST') return { statusCode: 200, body: '' };
  const rt = getRuntime();
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const auth = webhookAuth();
  // Fail closed before anything is read: with no token configured every delivery is refused, and a
  // caller learns nothing about what s3od would make of its body.
  if (!auth.token && !auth.allowUnauthenticated) return refuseUnauthenticated(event);
  // Notifications are JSON (RGW, MinIO, SNS): anything else is refused before it is read.
  if (!isJsonContentType(headers)) {
    metrics.webhookRejected('malformed');
    return json(415, { error: 'notifications must be JSON (content-type: application/json)' });
  }
  const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  let delivery;
  try {
    delivery = readNotification(raw);
  } catch (e) {
    if (!(e instanceof NotificationFormatError)) throw e;
    logger.warn('webhook body rejected', { reason: e.message, bytes: raw.length });
    metrics.webhookRejected('malformed');
    return json(400, { error: e.message });
  }
  const authorizedBy = deliveryAuthorizedBy(auth, headers, delivery.opaqueData);
  if (!authorizedBy) return refuseUnauthenticated(event);
  // While a token is rotated: the operator waits until no delivery carries the old one.
  if (authorizedBy === 'previous') logger.info('webhook delivery carries the previous token', { records: delivery.opaqueData.length });
  const result = await ingestEvents(delivery.events, rt);
  metrics.ingested('http', result);
  return json(202, result);
}

function refuseUnauthenticated(event: APIGatewayProxyEventV2): APIGatewayProxyStructuredResultV2 {
  // The body is not logged: an unauthenticated caller controls it.
  logger.warn('webhook delivery rejected: not authenticated', { sourceIp: event.requestContext.http.sourceIp });
  metrics.webhookRejected('unauthorized');
  return json(401, { error: 'unauthorized' });
}

let authWarned = false;
function webhookAuth(): EndpointAuth {
  // Read directly: on-object-event must not require the Onedata tokens that loadSecrets checks.
  const auth = endpointAuthFromEnv('webhook', process.env);
  const warning = authWarned ? undefined : endpointAuthWarning('webhook', auth);
  authWarned = true;
  if (warning) logger.warn(warning);
  return auth;
}

/**
 * A batch of queued notifications is routed as one: its jobs go out in as few SendMessageBatch
 * calls as possible (10 per call) rather than one call per notification. If sending fails, every
 * readable record of the batch is retried (duplicates are harmless downstream).
 */
async function handleSqsBatch(records: SQSRecord[]): Promise<PromiseSettledResult<void>[]> {
  const events = [];
  const readable: boolean[] = [];
  for (const record of records) {
    try {
      events.push(...normalizeNotification(record.body));
      readable.push(true);
    } catch (e) {
      if (!(e instanceof NotificationFormatError)) throw e;
      // A malformed message can never succeed: log it and let it go, rather than dead-letter noise.
      logger.error('queued notification dropped: unreadable', { messageId: record.messageId, reason: e.message });
      readable.push(false);
    }
  }
  try {
    metrics.ingested('sqs', await ingestEvents(events, getRuntime(), records[0]?.messageId), records[0]);
    return records.map(() => ({ status: 'fulfilled', value: undefined }));
  } catch (reason) {
    return readable.map((ok) => (ok ? { status: 'rejected', reason } : { status: 'fulfilled', value: undefined }));
  }
}

async function route(event: AnyEvent): Promise<unknown> {
  if (isHttp(event)) return handleHttp(event);
  if (isSqs(event)) return handleSqsBatch(event.Records);
  const result = await ingestEvents(normalizeNotification(event), getRuntime());
  metrics.ingested('s3', result);
  return result;
}

export const handler = middy<AnyEvent, unknown>().use(sqsBatchFailures(logger)).handler(route);
