import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startChildService } from '../child-service.ts';
import type { SimChildMessage, SimChildRequest, SimOp } from './child.ts';
import type { RunningSim, SimKnobs, SimRequestLogEntry, StartOptions } from './types.ts';

/** The simulator in a process of its own: RunningSim's methods, answered over IPC. */
export interface SimProcess {
  url: string;
  info: RunningSim['info'];
  pid: number;
  configure(k: Partial<SimKnobs>): Promise<void>;
  /** Same JSON as `GET /_sim/state`. */
  state(): Promise<unknown>;
  requests(): Promise<SimRequestLogEntry[]>;
  reset(): Promise<void>;
  propagate(): Promise<void>;
  knobs(): Promise<SimKnobs>;
  close(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));
// The child is TypeScript: it runs under tsx's loader (a runtime dependency), whatever the parent runs under.
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Starts the simulator in a process of its own (infra/local/onedata-sim/child.ts), as the local
 * stack runs it: Onedata is a remote service, so its work must not run on the functions' event
 * loop. In-process use (unit and contract tests) keeps `startOnedataSim`.
 */
export async function startOnedataSimProcess(opts: StartOptions): Promise<SimProcess> {
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  const service = await startChildService<Extract<SimChildMessage, { type: 'ready' }>>('Onedata simulator', CHILD, {
    execArgv: ['--import', TSX_LOADER],
    // Over IPC, not argv: the options may hold the token, and a command line is visible to every user.
    start: { start: opts },
    onMessage: (msg) => {
      const m = msg as Extract<SimChildMessage, { type: 'reply' }>;
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(`Onedata simulator: ${m.error}`));
      else p?.resolve(m.result);
    },
  });
  const { child, ready } = service;
  child.once('exit', (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`Onedata simulator process exited (${signal ?? `code ${code}`})`));
    pending.clear();
  });
  const call = <T>(op: SimOp, arg?: unknown): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (!child.connected) return reject(new Error('Onedata simulator process is gone'));
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, op, ...(arg === undefined ? {} : { arg }) } satisfies SimChildRequest);
    });
  let closed: Promise<void> | undefined;
  return {
    url: ready.url,
    info: ready.info,
    pid: child.pid!,
    configure: (k) => call('configure', k),
    state: () => call('state'),
    requests: () => call('requests'),
    reset: () => call('reset'),
    propagate: () => call('propagate'),
    knobs: () => call('knobs'),
    close: () => (closed ??= service.stop(() => void call('close').catch(() => undefined))),
  };
}
