import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningStack } from '../../infra/local/stack.ts';

/**
 * Test-only control of the stack that runs in the global-setup process (test files run in
 * workers and cannot reach it directly): pause/resume the SQS event sources, read captured log
 * lines, set environment knobs of the in-process functions (fault injection). 127.0.0.1 only.
 */
export async function startControlServer(stack: RunningStack, logLines: string[]): Promise<{ url: string; close(): Promise<void> }> {
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
        case 'POST /s3/restart':
          await stack.restartS3();
          return reply(200, {});
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
          stack.sim.configure(body);
          return reply(200, stack.sim.knobs());
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
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
