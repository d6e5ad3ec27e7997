import { fork, type ChildProcess } from 'node:child_process';

/**
 * A local stand-in for a remote service (the SQS emulator, the Onedata simulator) in a process of
 * its own, so its work never runs on the functions' event loop. The child speaks over IPC: it sends
 * `{ type: 'ready', … }` once it listens or `{ type: 'failed', message }`; every other message
 * goes to `onMessage`. Its output goes to stderr: stdout may be a machine-read stream (the
 * benchmark's JSON lines). A child exits when its parent goes away (IPC disconnect).
 */
export interface ChildService<Ready> {
  child: ChildProcess;
  /** The child's `ready` message. */
  ready: Ready;
  /** Asks the child to stop (`ask`; SIGTERM without an IPC channel), kills it if it has not exited 5 s later, and waits for its exit. */
  stop(ask: () => void): Promise<void>;
}

type FromChild = { type: 'ready' } | { type: 'failed'; message: string } | { type?: string };

export async function startChildService<Ready extends { type: 'ready' }>(
  name: string,
  modulePath: string,
  opts: { args?: string[]; execArgv?: string[]; start?: unknown; onMessage?: (m: unknown) => void } = {},
): Promise<ChildService<Ready>> {
  // Without the parent's loader flags (tsx, vitest) unless given: a child needs only its own.
  const child = fork(modulePath, opts.args ?? [], { execArgv: opts.execArgv ?? [], stdio: ['ignore', 2, 2, 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (opts.start !== undefined) child.send(opts.start as object);
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`${name} exited before it was ready (${signal ?? `code ${code}`})`)));
    child.on('message', (m: FromChild) => {
      if (m.type === 'ready') resolve(m as Ready);
      else if (m.type === 'failed') reject(new Error(`${name}: ${(m as { message: string }).message}`));
      else opts.onMessage?.(m);
    });
  }).catch(async (e: unknown) => {
    child.kill('SIGKILL');
    await exited;
    throw e;
  });
  return {
    child,
    ready,
    stop: async (ask) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) ask();
      else child.kill('SIGTERM');
      // A child that does not stop in time is killed: the stack's stop must not hang.
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
