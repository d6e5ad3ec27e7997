import type { FunctionHost } from '../../infra/local/runner/function-host.ts';

export interface Invocation {
  fn: string;
  start: number;
  durationMs: number;
  ok: boolean;
}

/**
 * Times every invocation of the local runner's functions (HTTP gateway and SQS event sources go
 * through `FunctionHost.invoke`), by wrapping the method of this one host instance. `restore()`
 * puts the original back.
 */
export function recordInvocations(host: FunctionHost): { records: Invocation[]; restore(): void } {
  const original = host.invoke;
  const records: Invocation[] = [];
  host.invoke = async function (this: FunctionHost, name: string, event: unknown) {
    const start = Date.now();
    const out = await original.call(this, name, event);
    records.push({ fn: name, start, durationMs: out.durationMs, ok: out.ok });
    return out;
  };
  return {
    records,
    restore() {
      host.invoke = original;
    },
  };
}
