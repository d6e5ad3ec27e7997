import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { canConnect, type RunningStack } from '../../infra/local/stack.ts';
import { dropMiddlewareCache, sharedS3Client } from '../../shared/aws/clients.ts';

/** One S3 request attempt of the functions that failed, or one S3 command the SDK sent more than once. */
interface S3AttemptNote {
  cmd: string;
  key?: string;
  at: number;
  error?: string;
  attempts?: number;
  ok?: boolean;
}

/**
 * Watches the functions' shared S3 client (the singleton the in-process handlers use): every
 * failed request attempt (inside the SDK's retry loop) and every command that needed more than
 * one attempt. Fault tests use it to prove an S3 outage hit work in flight.
 */
function watchS3Attempts(): { failed: S3AttemptNote[]; retried: S3AttemptNote[]; beforeNextAttempt?: () => Promise<void> } {
  const out: { failed: S3AttemptNote[]; retried: S3AttemptNote[]; beforeNextAttempt?: () => Promise<void> } = { failed: [], retried: [] };
  const client = sharedS3Client();
  type Ctx = { commandName?: string; s3odAttempts?: number };
  type Mw = (next: (args: unknown) => Promise<unknown>, context: Ctx) => (args: unknown) => Promise<unknown>;
  const stack = client.middlewareStack as unknown as { add(mw: Mw, opts: unknown): void; remove(name: string): void };
  const keyOf = (args: unknown) => (args as { input?: { Key?: string } }).input?.Key;
  const perCommand: Mw = (next, context) => async (args) => {
    context.s3odAttempts = 0;
    let ok = false;
    try {
      const r = await next(args);
      ok = true;
      return r;
    } finally {
      const attempts = context.s3odAttempts ?? 0;
      if (attempts > 1) out.retried.push({ cmd: context.commandName ?? '?', ...(keyOf(args) ? { key: keyOf(args)! } : {}), at: Date.now(), attempts, ok });
    }
  };
  const perAttempt: Mw = (next, context) => async (args) => {
    context.s3odAttempts = (context.s3odAttempts ?? 0) + 1;
    // Armed by POST /s3/restart-under-next-request: this attempt goes out while the gateway is down.
    const before = out.beforeNextAttempt;
    out.beforeNextAttempt = undefined;
    if (before) await before();
    try {
      return await next(args);
    } catch (e) {
      const err = e as { code?: string; name?: string; message?: string };
      out.failed.push({ cmd: context.commandName ?? '?', at: Date.now(), error: err.code ?? err.name ?? String(err.message) });
      throw e;
    }
  };
  stack.remove('test-s3-commands');
  stack.remove('test-s3-attempts');
  stack.add(perCommand, { step: 'initialize', name: 'test-s3-commands', override: true });
  // The deserialize step runs once per attempt, inside the retry middleware.
  stack.add(perAttempt, { step: 'deserialize', name: 'test-s3-attempts', override: true });
  dropMiddlewareCache(client);
  return out;
}

/** Resolves once 127.0.0.1:`port` refuses connections (within 10 s). */
async function untilRefused(port: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (!(await canConnect(port))) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`127.0.0.1:${port} still accepts connections 10 s into the restart`);
}

/**
 * Test-only control of the stack that runs in the global-setup process (test files run in
 * workers and cannot reach it directly): pause/resume the SQS event sources, read captured log
 * lines, set environment knobs of the in-process functions (fault injection). 127.0.0.1 only.
 */
export async function startControlServer(stack: RunningStack, logLines: string[]): Promise<{ url: string; close(): Promise<void> }> {
  const s3Attempts = watchS3Attempts();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    const reply = (status: number, data: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(data));
    };
    try {
      switch (`${req.method} ${req.url}`) {
        case 'POST /pause':
          await stack.pauseEventSources();
          return reply(200, { paused: true });
        case 'POST /resume':
          stack.resumeEventSources();
          return reply(200, { paused: false });
        case 'GET /logs':
          return reply(200, logLines);
        case 'POST /logs/clear':
          logLines.length = 0;
          return reply(200, {});
        case 'POST /env': {
          for (const [k, v] of Object.entries(body as Record<string, string | null>)) {
            if (v === null) delete process.env[k];
            else process.env[k] = v;
          }
          return reply(200, {});
        }
        case 'GET /s3/attempts':
          return reply(200, s3Attempts);
        case 'POST /s3/attempts/clear':
          s3Attempts.failed.length = 0;
          s3Attempts.retried.length = 0;
          return reply(200, {});
        case 'GET /ceph/pids':
          return reply(200, stack.cephPids());
        case 'POST /s3/restart':
          await stack.restartS3();
          return reply(200, {});
        case 'POST /s3/restart-under-next-request': {
          // Lands the restart on work in flight, not on luck: the functions' next S3 request starts
          // the restart and is sent once the gateway refuses connections, so it fails and is retried.
          // Answers once the gateway is back, with the moments the restart began and ended.
          const port = Number(new URL(stack.info.s3Endpoint).port);
          let restarting: Promise<void> | undefined;
          let startedAt = 0;
          const hit = new Promise<void>((resolveHit, rejectHit) => {
            const timer = setTimeout(() => {
              s3Attempts.beforeNextAttempt = undefined;
              rejectHit(new Error('no S3 request of the functions within 30 s'));
            }, 30_000);
            s3Attempts.beforeNextAttempt = async () => {
              clearTimeout(timer);
              startedAt = Date.now();
              restarting = stack.restartS3();
              restarting.catch(() => undefined);
              // A gateway that never went down fails this call, not the function's request.
              await untilRefused(port).then(resolveHit, rejectHit);
            };
          });
          await hit;
          await restarting;
          return reply(200, { startedAt, endedAt: Date.now() });
        }
        case 'POST /functions/down':
          stack.setFunctionsAvailable(false);
          return reply(200, {});
        case 'POST /functions/up':
          stack.setFunctionsAvailable(true);
          return reply(200, {});
        case 'POST /config':
          stack.reconfigure(body as Record<string, unknown>);
          return reply(200, {});
        case 'POST /sim':
          await stack.sim.configure(body);
          return reply(200, await stack.sim.knobs());
        case 'GET /in-flight':
          return reply(200, Object.fromEntries([...stack.mappings].map(([k, m]) => [k, m.inFlight])));
        default:
          return reply(404, { error: 'unknown control call' });
      }
    } catch (e) {
      reply(500, { error: (e as Error).message });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
