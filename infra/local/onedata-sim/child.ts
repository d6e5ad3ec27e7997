/**
 * The simulator in a process of its own (started by process.ts for the local stack). Onezone and
 * the Oneproviders are remote services in every real deployment: in the functions' process the
 * simulator's own work per call (HTTP server, routing, request log) ran on their event loop and was
 * charged to s3od (docs/benchmarks.md, import-s3).
 *
 * Parent → child: `{ start: StartOptions }` first (over IPC, not argv: the options may hold the
 * token, and a command line is visible to every user of the machine), then requests
 * `{ id, op, arg }` for the RunningSim methods. Child → parent: `{ type: 'ready', url, info }` or `{ type: 'failed', message }`,
 * then one `{ type: 'reply', id, result }` or `{ type: 'reply', id, error }` per request. The child exits when the parent goes
 * away (IPC disconnect) and after `close`.
 */
import { startOnedataSim } from './index.ts';
import type { RunningSim, StartOptions } from './types.ts';

/** RunningSim's methods, each callable over IPC. */
export type SimOp = Exclude<keyof RunningSim, 'url' | 'info'>;
export type SimChildRequest = { id: number; op: SimOp; arg?: unknown };
export type SimChildMessage =
  | { type: 'ready'; url: string; info: RunningSim['info'] }
  | { type: 'failed'; message: string }
  | { type: 'reply'; id: number; result?: unknown; error?: string };

const send = (m: SimChildMessage): void => {
  if (process.connected) process.send!(m);
};

/** Every request names one of RunningSim's methods; the answer is what it returns. */
async function run(sim: RunningSim, req: SimChildRequest): Promise<unknown> {
  return (sim[req.op] as (arg?: unknown) => unknown)(req.arg);
}

async function start(opts: StartOptions): Promise<void> {
  let sim: RunningSim;
  try {
    sim = await startOnedataSim(opts);
  } catch (e) {
    send({ type: 'failed', message: e instanceof Error ? e.message : String(e) });
    process.exit(1);
  }
  process.on('message', (req: SimChildRequest) => {
    run(sim, req).then(
      (result) => {
        send({ type: 'reply', id: req.id, result });
        if (req.op === 'close') process.disconnect();
      },
      (e: unknown) => send({ type: 'reply', id: req.id, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }),
    );
  });
  send({ type: 'ready', url: sim.url, info: sim.info });
}

process.once('message', (m: { start: StartOptions }) => void start(m.start));
// The parent is gone (or closed us): the servers go with the process.
process.once('disconnect', () => process.exit(0));
