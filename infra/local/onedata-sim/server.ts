/**
 * HTTP front end (plain `node:http`, 127.0.0.1 only). The primary server serves Onezone and the first
 * provider's Oneprovider and Onepanel; every further provider gets its own server. Each Onedata call is
 * logged, delayed by `latencyMs`, possibly failed before its effect (`faultRate`), dispatched, and
 * possibly has its response lost after the effect (`lostResponseRate`, or `dropAnswers` aimed at
 * one call).
 */
import { isNotSimulated } from './not-simulated.ts';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { err, errorBody, SimError, statusOf } from './errors.ts';
import { takeDropAnswer } from './knobs.ts';
import { parseJsonBody, Router, type Ctx, type SimResponse } from './http.ts';
import { randomId } from './ids.ts';
import { registerOnepanelSpaces } from './routes/onepanel-spaces.ts';
import { registerOnepanelStorages } from './routes/onepanel-storages.ts';
import { registerOneproviderData } from './routes/oneprovider-data.ts';
import { registerOneproviderFiles } from './routes/oneprovider-files.ts';
import { registerOneproviderQos } from './routes/oneprovider-qos.ts';
import { registerOneproviderShares } from './routes/oneprovider-shares.ts';
import { registerOnezoneGroups } from './routes/onezone-groups.ts';
import { registerOnezoneMisc } from './routes/onezone-misc.ts';
import { registerOnezoneSpaces } from './routes/onezone-spaces.ts';
import { registerOnezoneTokens } from './routes/onezone-tokens.ts';
import { handleSimRequest } from './routes/sim.ts';
import type { Sim } from './sim.ts';
import type { SimRequestLogEntry, SimService } from './types.ts';
import { BUILD, VERSION } from './version.ts';

const MAX_BODY_BYTES = 16 * 1024 * 1024;

interface Routers {
  onezone: Router;
  oneprovider: Router;
  onepanel: Router;
}

function buildRouters(): Routers {
  const onezone = new Router();
  registerOnezoneMisc(onezone);
  registerOnezoneSpaces(onezone);
  registerOnezoneGroups(onezone);
  registerOnezoneTokens(onezone);
  const oneprovider = new Router();
  registerOneproviderData(oneprovider);
  registerOneproviderFiles(oneprovider);
  registerOneproviderShares(oneprovider);
  registerOneproviderQos(oneprovider);
  const onepanel = new Router();
  onepanel.on('GET', '/configuration', (ctx) => ({
    status: 200,
    body: {
      clusterId: ctx.provider.clusterId,
      version: VERSION,
      build: BUILD,
      deployed: true,
      serviceType: 'oneprovider',
      providerId: ctx.provider.id,
      providerName: ctx.provider.name,
      providerDomain: ctx.provider.domain,
      zoneDomain: ctx.sim.seed.zoneDomain,
      isRegistered: true,
    },
  }));
  onepanel.on('GET', '/health', () => ({ status: 200, body: { status: 'healthy' } }));
  registerOnepanelStorages(onepanel);
  registerOnepanelSpaces(onepanel);
  return { onezone, oneprovider, onepanel };
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, response: SimResponse): void {
  const headers: Record<string, string> = { ...response.headers };
  let payload: string | undefined;
  if (response.body !== undefined && response.status !== 204) {
    payload = JSON.stringify(response.body);
    headers['content-type'] = 'application/json';
  }
  res.writeHead(response.status, headers);
  res.end(payload);
}

function serviceOf(path: string): { service: SimService; sub: string } {
  for (const service of ['onezone', 'oneprovider', 'onepanel'] as const) {
    const prefix = `/api/v3/${service}`;
    if (path === prefix || path.startsWith(`${prefix}/`)) return { service, sub: path.slice(prefix.length) || '/' };
  }
  return { service: 'unknown', sub: path };
}

function logBody(raw: string): unknown {
  if (raw === '') return null;
  try {
    return parseJsonBody(raw);
  } catch {
    return raw.length > 1000 ? `${raw.slice(0, 1000)}…` : raw;
  }
}

function finish(entry: SimRequestLogEntry, status: number, errorId?: string): void {
  entry.status = status;
  entry.endedAt = Date.now();
  if (errorId) entry.errorId = errorId;
}

function dispatch(sim: Sim, routers: Routers, ctxBase: Omit<Ctx, 'params' | 'body'>, service: SimService): SimResponse {
  if (service === 'unknown' || (service === 'onezone' && ctxBase.provider !== sim.state.providers[0])) {
    return { status: 404, body: errorBody(err.notFound()) };
  }
  const match = routers[service].match(ctxBase.req.method, ctxBase.req.path);
  if ((!match || 'methodNotAllowed' in match) && isNotSimulated(service, ctxBase.req.method, ctxBase.req.path)) {
    return { status: 501, body: errorBody(err.notSupported(`${ctxBase.req.method} /api/v3/${service}${ctxBase.req.path}`)) };
  }
  if (!match) return { status: 404, body: errorBody(err.notFound()) };
  if ('methodNotAllowed' in match) return { status: 405, headers: { allow: match.methodNotAllowed.join(', ') } };
  let parsed: { value: unknown } | undefined;
  const ctx: Ctx = {
    ...ctxBase,
    params: match.params,
    body: () => (parsed ??= { value: parseJsonBody(ctxBase.req.rawBody) }).value,
  };
  try {
    return match.handler(ctx);
  } catch (e) {
    if (e instanceof SimError) return { status: e.status, body: e.body ?? errorBody(e.json) };
    const reference = randomId().slice(0, 10);
    console.error(`onedata-sim: internal error (reference ${reference})`, e);
    return {
      status: 500,
      body: errorBody({ id: 'internalServerError', description: 'The server has encountered an error while processing this request.', details: { reference } }),
    };
  }
}

async function handle(sim: Sim, routers: Routers, providerIndex: number, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // The latency runs from here: the simulator's own work on the request (reading it, logging,
  // routing, the other requests it serves meanwhile) is inside it, as a server's is inside its own.
  const arrivedAt = performance.now();
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = (req.method ?? 'GET').toUpperCase();
  const rawBody = await readBody(req);
  if (rawBody === null) {
    send(res, { status: 413, body: errorBody(err.malformedData()) });
    return;
  }
  if (url.pathname === '/_sim' || url.pathname.startsWith('/_sim/')) {
    send(res, handleSimRequest(sim, method, url.pathname, rawBody));
    return;
  }
  const provider = sim.state.providers[providerIndex];
  const { service, sub } = serviceOf(url.pathname);
  const entry = sim.log.start({
    method,
    path: url.pathname,
    query: url.searchParams,
    body: logBody(rawBody),
    service,
    ...(provider && service !== 'onezone' && service !== 'unknown' ? { providerId: provider.id } : {}),
  });
  await sim.requestTimers.sleep(sim.knobs.latencyMs - (performance.now() - arrivedAt));
  if (Math.random() < sim.knobs.faultRate) {
    if (sim.nextFaultKind() === 'dropped') {
      entry.fault = 'dropped';
      finish(entry, 0);
      req.socket.destroy();
      return;
    }
    const json = Math.random() < 0.5 ? err.serviceUnavailable() : err.temporaryFailure();
    entry.fault = json.id as 'serviceUnavailable' | 'temporaryFailure';
    finish(entry, statusOf(json), json.id);
    send(res, { status: statusOf(json), body: errorBody(json) });
    return;
  }
  sim.gc();
  const currentProvider = sim.state.providers[providerIndex] ?? sim.state.providers[0];
  if (!currentProvider) throw new Error('simulator has no providers');
  const response = dispatch(
    sim,
    routers,
    {
      sim,
      provider: currentProvider,
      req: { method, path: sub, query: url.searchParams, headers: req.headers, rawBody },
    },
    service,
  );
  const errorId = (response.body as { error?: { id?: unknown } } | undefined)?.error?.id;
  finish(entry, response.status, typeof errorId === 'string' ? errorId : undefined);
  // `dropAnswers`: a call aimed at by the test has its effect (above) and loses its answer.
  const aimed = sim.knobs.dropAnswers.length ? takeDropAnswer(sim.knobs.dropAnswers, method, url.pathname, rawBody) : undefined;
  if (aimed?.drop) sim.knobs.dropAnswers = aimed.rest;
  if (aimed?.drop || Math.random() < sim.knobs.lostResponseRate) {
    entry.fault = 'lostResponse';
    req.socket.destroy();
    return;
  }
  send(res, response);
}

export interface Servers {
  urls: string[];
  close(): Promise<void>;
}

/** Starts one server per provider; the first listens on `port`, the others on random ports. */
export async function startServers(sim: Sim, port: number): Promise<Servers> {
  const routers = buildRouters();
  const servers: Server[] = [];
  const urls: string[] = [];
  const count = sim.state.providers.length;
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer((req, res) => {
        handle(sim, routers, i, req, res).catch((e: unknown) => {
          console.error('onedata-sim: request failed', e);
          if (!res.headersSent) send(res, { status: 500, body: errorBody({ id: 'internalServerError', description: 'Internal error.' }) });
          else res.destroy();
        });
      });
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(i === 0 ? port : 0, '127.0.0.1', () => resolve());
      });
      urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }
  } catch (e) {
    await Promise.all(servers.map((s) => closeServer(s)));
    throw e;
  }
  return { urls, close: () => Promise.all(servers.map((s) => closeServer(s))).then(() => undefined) };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
