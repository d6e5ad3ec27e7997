import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake register received, as it arrived. */
export interface DaregRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: unknown;
  /** What it answered (0: no answer, the connection was dropped). */
  status: number;
}

/**
 * A small stand-in for DAREG's REST API (Django REST framework style) on 127.0.0.1, port 0, for
 * unit tests: it records every request and answers like the register — 201 with JSON on POST,
 * 200 on GET/PATCH of a known dataset, 404 for an unknown one, 401 for a wrong token (its answer
 * echoes the token it got, to prove s3od redacts what a server says), 400 for a second dataset
 * of the same space. Knobs: `down` (503 to everything), `loseAnswers` (the request is handled,
 * then the connection is dropped without an answer: a lost answer).
 */
export class FakeDareg {
  readonly requests: DaregRequest[] = [];
  readonly datasets = new Map<string, Record<string, unknown>>();
  readonly logs: Record<string, unknown>[] = [];
  /** Answer 503 to every request (the register is down). */
  down = false;
  /** Handle the matching requests, then drop the connection without answering. */
  loseAnswers: ((method: string, path: string) => boolean) | undefined;
  /** Called with each request before it is handled (a test's hook for "someone else changed the register meanwhile"). */
  onRequest: ((r: DaregRequest) => void) | undefined;
  /** An answer of the test's own instead of the register's (undefined: the register answers). */
  answer: ((r: DaregRequest) => { status: number; body: unknown } | undefined) | undefined;
  #server: Server | undefined;
  url = '';

  constructor(readonly token: string) {}

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      void readBody(req).then((text) => {
        const path = new URL(req.url ?? '/', 'http://x').pathname;
        const body = text ? JSON.parse(text) : undefined;
        const rec: DaregRequest = {
          method: req.method ?? '',
          path,
          authorization: req.headers.authorization,
          contentType: req.headers['content-type'],
          body,
          status: 0,
        };
        this.requests.push(rec);
        this.onRequest?.(rec);
        const answer = this.answer?.(rec) ?? this.#handle(rec);
        if (this.loseAnswers?.(rec.method, path)) {
          req.socket.destroy();
          return;
        }
        rec.status = answer.status;
        res.writeHead(answer.status, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/api`;
    return this;
  }

  async stop(): Promise<void> {
    const s = this.#server;
    this.#server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Requests other than the up check, as `METHOD /path`. */
  calls(): string[] {
    return this.requests.map((r) => `${r.method} ${r.path}`);
  }

  #handle(r: DaregRequest): { status: number; body: unknown } {
    if (this.down) return { status: 503, body: { detail: 'Service unavailable' } };
    if (r.authorization !== `Token ${this.token}`) return { status: 401, body: { detail: `Invalid token: ${r.authorization ?? 'none'}` } };
    const base = this.url;
    const m = /^\/api\/datasets\/([^/]+)\/$/.exec(r.path);
    if (r.method === 'GET' && (r.path === '/api' || r.path === '/api/')) return { status: 200, body: { datasets: `${base}/datasets/`, logs: `${base}/logs/` } };
    if (r.method === 'POST' && r.path === '/api/datasets/') {
      const b = r.body as Record<string, unknown>;
      const id = String(b.space_id);
      if (this.datasets.has(id)) return { status: 400, body: { space_id: ['dataset with this space id already exists.'] } };
      this.datasets.set(id, { ...b, url: `${base}/datasets/${id}/` });
      return { status: 201, body: this.datasets.get(id) };
    }
    if (m && r.method === 'GET') {
      const d = this.datasets.get(m[1]!);
      return d ? { status: 200, body: d } : { status: 404, body: { detail: 'Not found.' } };
    }
    if (m && r.method === 'PATCH') {
      const d = this.datasets.get(m[1]!);
      if (!d) return { status: 404, body: { detail: 'Not found.' } };
      Object.assign(d, r.body as object);
      return { status: 200, body: d };
    }
    if (r.method === 'POST' && r.path === '/api/logs/') {
      const b = r.body as Record<string, unknown>;
      const known = [...this.datasets.values()].some((d) => d.url === b.dataset);
      if (!known) return { status: 400, body: { dataset: ['Invalid hyperlink - Object does not exist.'] } };
      this.logs.push(b);
      return { status: 201, body: { ...b, id: this.logs.length } };
    }
    return { status: 404, body: { detail: 'Not found.' } };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
