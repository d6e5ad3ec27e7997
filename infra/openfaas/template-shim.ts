import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OpenFaasContext, OpenFaasEvent, OpenFaasHandler } from './handlers/template.ts';

/**
 * A stand-in for OpenFaaS on 127.0.0.1 without Docker (faas-cli build/up need it): a tiny
 * "gateway" that routes `/function/<name>[/path]` to handlers run exactly the way the `node20`
 * template's index.js runs them (FunctionEvent / FunctionContext, body parsing, the callback
 * rules, HEAD answered through the GET route with the body dropped). Used by the tests and for
 * trying the OpenFaaS entry points against the local stack.
 *
 * Template behaviour reproduced (openfaas/templates template/node20/index.js):
 * - RAW_BODY=true: the body is a Buffer, or `{}` when empty; otherwise text/* → string,
 *   application/json → parsed (400 on bad JSON, as body-parser), urlencoded → object, else `{}`;
 * - objects and arrays are sent as JSON.stringify, anything else as is;
 * - `fail(err)` / a rejection answer `context.status()` (200 unless set) with `err.toString()`;
 * - a returned value is sent only if neither succeed nor fail was called.
 */
export interface ShimOptions {
  rawBody?: boolean;
  maxBodyBytes?: number;
  port?: number;
}

export interface RunningShim {
  url: string;
  server: Server;
  /** Requests each function received, in order (method + path). */
  calls: { fn: string; method: string; path: string }[];
  close(): Promise<void>;
}

class FunctionContext implements OpenFaasContext {
  statusCode = 200;
  headerValues: Record<string, string> = {};
  cbCalled = 0;
  constructor(private readonly cb: (err: unknown, result?: unknown) => void) {}
  status(code?: number): unknown {
    if (!code) return this.statusCode;
    this.statusCode = code;
    return this;
  }
  headers(values?: Record<string, string>): unknown {
    if (!values) return this.headerValues;
    this.headerValues = values;
    return this;
  }
  succeed(value?: unknown): void {
    this.cbCalled++;
    this.cb(undefined, value);
  }
  fail(value?: unknown): void {
    this.cbCalled++;
    this.cb(value);
  }
}

const ROUTED = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) throw Object.assign(new Error('request entity too large'), { status: 413 });
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseBody(raw: Buffer, contentType: string, rawBody: boolean): unknown {
  if (rawBody) return raw.length ? raw : {};
  if (!raw.length) return {};
  if (/^text\//.test(contentType)) return raw.toString('utf8');
  if (/application\/json/.test(contentType)) return JSON.parse(raw.toString('utf8'));
  if (/application\/x-www-form-urlencoded/.test(contentType)) return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  return {};
}

export async function startTemplateShim(functions: Record<string, OpenFaasHandler>, opts: ShimOptions = {}): Promise<RunningShim> {
  const calls: RunningShim['calls'] = [];
  const max = opts.maxBodyBytes ?? 1024 * 1024;
  const server = createServer((req, res) => {
    void handle(req, res).catch((e) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e));
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://shim');
    const m = /^\/function\/([^/]+)(\/.*)?$/.exec(url.pathname);
    const fn = m ? functions[decodeURIComponent(m[1]!)] : undefined;
    const method = (req.method ?? 'GET').toUpperCase();
    if (!m || !fn || !ROUTED.has(method)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Cannot ' + method + ' ' + url.pathname);
      return;
    }
    const path = m[2] ?? '/';
    calls.push({ fn: m[1]!, method, path });
    let body: unknown;
    try {
      body = parseBody(await readBody(req, max), String(req.headers['content-type'] ?? ''), opts.rawBody ?? true);
    } catch (e) {
      res.writeHead((e as { status?: number }).status ?? 400, { 'content-type': 'text/plain' });
      res.end((e as Error).message);
      return;
    }
    await new Promise<void>((done) => {
      // Assigned below, after the callback that reads it is built (the context needs the callback).
      // eslint-disable-next-line prefer-const
      let context: FunctionContext;
      const cb = (err: unknown, result?: unknown): void => {
        const send = (status: number, headers: Record<string, string>, payload: string | Buffer): void => {
          res.writeHead(status, headers);
          res.end(method === 'HEAD' ? undefined : payload);
          done();
        };
        if (err) {
          const text = (err as { toString?: () => string })?.toString ? String(err) : JSON.stringify(err);
          return send(context.statusCode, { 'content-type': 'text/html; charset=utf-8' }, text);
        }
        const isObj = Array.isArray(result) || (!!result && (result as object).constructor === Object);
        const payload = isObj ? JSON.stringify(result) : Buffer.isBuffer(result) ? result : result === undefined || result === null ? '' : String(result);
        const headers = {
          ...(isObj ? { 'content-type': 'application/json; charset=utf-8' } : { 'content-type': 'text/html; charset=utf-8' }),
          ...context.headerValues,
        };
        send(context.statusCode, headers, payload);
      };
      context = new FunctionContext(cb);
      const event: OpenFaasEvent = { body, headers: req.headers, method, query: Object.fromEntries(url.searchParams), path };
      Promise.resolve(fn(event, context))
        .then((r) => {
          if (!context.cbCalled) context.succeed(r);
        })
        .catch((e) => cb(e));
    });
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
