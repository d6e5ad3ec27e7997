/**
 * The simulator in a process of its own (started by process.ts for the local stack). Onezone and
 * the Oneproviders are remote services in every real deployment: in the functions' process the
 * simulator's own work per call (HTTP server, routing, request log) ran on their event loop and was
 * charged to s3od (docs/benchmarks.md, import-s3).
 *
 * Parent → child: the StartOptions as JSON in argv[2]; requests `{ id, op, arg }` for the
 * RunningSim methods. Child → parent: `{ type: 'ready', url, info }` or `{ type: 'failed', message }`,
 * then one `{ id, result }` or `{ id, error }` per request. The child exits when the parent goes
 * away (IPC disconnect) and after `close`.
 */
import { startOnedataSim } from './index.ts';
import type { RunningSim } from './types.ts';

export type SimOp = 'configure' | 'state' | 'requests' | 'reset' | 'propagate' | 'knobs' | 'close';
export type SimChildRequest = { id: number; op: SimOp; arg?: unknown };
export type SimChildMessage =
  | { type: 'ready'; url: string; info: RunningSim['info'] }
  | { type: 'failed'; message: string }
  | { type: 'reply'; id: number; result?: unknown; error?: string };

const send = (m: SimChildMessage): void => {
  if (process.connected) process.send!(m);
};

async function run(sim: RunningSim, req: SimChildRequest): Promise<unknown> {
  switch (req.op) {
    case 'configure':
      return sim.configure(req.arg as Parameters<RunningSim['configure']>[0]);
    case 'state':
      return sim.state();
    case 'requests':
      return sim.requests();
    case 'reset':
      return sim.reset();
    case 'propagate':
      return sim.propagate();
    case 'knobs':
      return sim.knobs();
    case 'close':
      return sim.close();
  }
}

try {
  const sim = await startOnedataSim(JSON.parse(process.argv[2] ?? '{}'));
  process.on('message', (req: SimChildRequest) => {
    run(sim, req).then(
      (result) => {
        send({ type: 'reply', id: req.id, result });
        if (req.op === 'close') process.disconnect();
      },
      (e: unknown) => send({ type: 'reply', id: req.id, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }),
    );
  });
  process.on('disconnect', () => void sim.close().finally(() => process.exit(0)));
  send({ type: 'ready', url: sim.url, info: sim.info });
} catch (e) {
  send({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
  process.exit(1);
}
