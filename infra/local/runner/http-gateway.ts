import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { isAuthorizedJobCall, isJsonContentType, type EndpointAuth } from '../../../shared/events/webhook-auth.ts';
import type { Logger } from '../../../shared/log/index.ts';
import type { FunctionHost } from './function-host.ts';

const MAX_BODY = 6 * 1024 * 1024; // Lambda's synchronous payload limit

/**
 * The local HTTP front door, on 127.0.0.1:
 * - `POST /function/<name>`: the OpenFaaS gateway convention that RGW topics and MinIO webhooks
 *   call. Functions with an httpApi trigger receive an API Gateway v2 event; others get the
 *   request body as their event.
 * - `POST /2015-03-31/functions/<name>/invocations`: the Lambda Invoke API (raw JSON event).
 * - `GET /_runner/health`.
 *
 * Only a function with an httpApi trigger (on-object-event) is reachable without the jobs token:
 * it checks its webhook token itself. Every other call (a job for provision or import, an
 * invocation of reconcile) needs `Authorization: Bearer <jobs token>` and a JSON body, so neither a
 * forged notification nor a web page in a browser on this machine can post a job.
 */
export interface HttpGateway {
  url: string;
  server: Server;
  /** While false, connections are dropped at once, as if the function endpoint were down. */
  setAvailable(available: boolean): void;
  close(): Promise<void>;
}

export async function startHttpGateway(
  host: FunctionHost,
  log: Logger,
  port = 0,
  jobsAuth: EndpointAuth = { token: undefined, allowUnauthenticated: false },
): Promise<HttpGateway> {
  let available = true;
  const server = createServer((req, res) => {
    if (!available) {
      req.socket.destroy();
      return;
    }
    handle(host, log, jobsAuth, req, res).catch((e) => {
      log.error('local gateway error', { error: e });
      if (!res.headersSent) send(res, 500, { message: 'Internal Server Error' });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    setAvailable: (a) => {
      available = a;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

async function handle(host: FunctionHost, log: Logger, jobsAuth: EndpointAuth, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://local');
  if (req.method === 'GET' && url.pathname === '/_runner/health') return send(res, 200, { ok: true, functions: host.functions.map((f) => f.name) });
  const invokeApi = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
  const faas = /^\/function\/([^/]+)\/?$/.exec(url.pathname);
  const name = invokeApi?.[1] ?? faas?.[1];
  const fn = name ? host.get(decodeURIComponent(name)) : undefined;
  if (!fn) return send(res, 404, { message: `no function at ${url.pathname}`, functions: host.functions.map((f) => `/function/${f.name}`) });
  let body: Buffer;
  try {
    body = await readBody(req);
  } catch (e) {
    return send(res, (e as { status?: number }).status ?? 400, { message: (e as Error).message });
  }
  const httpTrigger = fn.triggers.find((t) => t.type === 'http');
  if (faas && httpTrigger) {
    const outcome = await host.invoke(fn.name, toApiGatewayEvent(req, url, body));
    if (!outcome.ok) {
      log.error('function failed', { fn: fn.name, error: outcome.error });
      return send(res, 500, { message: 'Internal Server Error' });
    }
    const r = (outcome.result ?? {}) as { statusCode?: number; headers?: Record<string, string>; body?: string };
    res.writeHead(r.statusCode ?? 200, r.headers ?? {});
    res.end(r.body ?? '');
    return;
  }
  if (req.method !== 'POST') return send(res, 405, { message: 'POST only' });
  const headers = req.headers as Record<string, string | undefined>;
  if (!isAuthorizedJobCall(jobsAuth, headers)) {
    log.warn('invocation rejected: not authenticated', { fn: fn.name });
    return send(res, 401, { message: 'unauthorized: jobs and invocations need Authorization: Bearer <jobs token>' });
  }
  if (!isJsonContentType(headers)) return send(res, 415, { message: 'the event must be JSON (content-type: application/json)' });
  let event: unknown;
  try {
    event = body.length ? JSON.parse(body.toString('utf8')) : {};
  } catch {
    return send(res, 400, { message: 'the event must be JSON' });
  }
  const outcome = await host.invoke(fn.name, event);
  if (!outcome.ok) {
    // As the Lambda Invoke API does: 200 with X-Amz-Function-Error and the error as payload.
    return send(res, 200, { errorType: outcome.error.name, errorMessage: outcome.error.message }, { 'x-amz-function-error': 'Unhandled' });
  }
  send(res, 200, outcome.result ?? null);
}

function toApiGatewayEvent(req: IncomingMessage, url: URL, body: Buffer): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const isText = /json|text|xml|x-www-form-urlencoded/.test(headers['content-type'] ?? 'application/json');
  return {
    version: '2.0',
    routeKey: `${req.method} ${url.pathname}`,
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    queryStringParameters: Object.fromEntries(url.searchParams),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        protocol: 'HTTP/1.1',
        sourceIp: req.socket.remoteAddress ?? '',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: String(Date.now()),
      routeKey: `${req.method} ${url.pathname}`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    body: isText ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: !isText,
  };
}
