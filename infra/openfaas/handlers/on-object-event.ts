import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { handleHttp } from '../../../functions/on-object-event/handler.ts';
import { log } from '../../../shared/log/index.ts';
import { bodyText, loadSecretFiles, normalizeHeaders, reply, type OpenFaasContext, type OpenFaasEvent, type OpenFaasHandler } from './template.ts';

/**
 * on-object-event on OpenFaaS: the webhook a Ceph RGW topic (push-endpoint) or a MinIO
 * notify_webhook target calls through the gateway, `POST /function/on-object-event`.
 * It runs the very same code as the Lambda HTTP route (functions/on-object-event handleHttp):
 * normalise the records, authenticate (Authorization: Bearer <S3OD_WEBHOOK_TOKEN>, or RGW's
 * opaqueData carrying the same token), enqueue the jobs, answer 202 / 400 / 401.
 * HEAD and GET (MinIO's liveness probe, curious people) answer 200 and do nothing.
 * A failure to enqueue answers 500, so RGW (persistent topic) and MinIO (queue_dir) deliver again.
 */
const logger = log.child({ fn: 'on-object-event', platform: 'openfaas' });
let initialised = false;

export function toApiGatewayEvent(event: OpenFaasEvent): APIGatewayProxyEventV2 {
  const headers = normalizeHeaders(event.headers);
  const method = (event.method || 'GET').toUpperCase();
  const path = event.path || '/';
  const now = Date.now();
  const query = Object.fromEntries(Object.entries(event.query ?? {}).map(([k, v]) => [k, String(v)]));
  return {
    version: '2.0',
    routeKey: `${method} /function/on-object-event`,
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    headers,
    queryStringParameters: query,
    requestContext: {
      accountId: 'openfaas',
      apiId: 'openfaas',
      domainName: headers.host ?? 'gateway',
      domainPrefix: 'gateway',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: (headers['x-forwarded-for'] ?? '').split(',')[0]!.trim(), userAgent: headers['user-agent'] ?? '' },
      requestId: headers['x-call-id'] ?? String(now),
      routeKey: `${method} /function/on-object-event`,
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    body: bodyText(event.body),
    isBase64Encoded: false,
  };
}

/** The template handler; `core` is replaceable for tests. */
export function createWebhookHandler(core: (e: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2> = handleHttp): OpenFaasHandler {
  return async (event: OpenFaasEvent, context: OpenFaasContext) => {
    if (!initialised) {
      loadSecretFiles();
      initialised = true;
    }
    if ((event.method || '').toUpperCase() !== 'POST') return reply(context, 200, '');
    try {
      const res = await core(toApiGatewayEvent(event));
      reply(context, res.statusCode ?? 200, res.body ?? '', (res.headers ?? {}) as Record<string, string>);
    } catch (e) {
      logger.error('webhook delivery failed; the sender will retry', { error: e });
      reply(context, 500, { error: 'internal error' });
    }
  };
}

const handle = createWebhookHandler();
export default handle;
