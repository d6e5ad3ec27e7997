import type { Logger } from '../../../shared/log/index.ts';
import type { FunctionHost } from './function-host.ts';
import type { ServerlessDefinition } from './serverless-file.ts';

const UNIT_MS: Record<string, number> = { minute: 60_000, minutes: 60_000, hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000 };

/** EventBridge's `rate(N unit)` in ms; undefined for what the local runner does not run (cron expressions). */
export function rateMs(rate: string): number | undefined {
  const m = /^rate\((\d+)\s+(minutes?|hours?|days?)\)$/.exec(rate.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}

/**
 * serverless.yml's `schedule` triggers, run locally as EventBridge would: the function is invoked
 * with an empty event every period (never two of one function at once: a pass still running skips
 * its turn). Returns the function that stops the timers.
 */
export function startSchedules(definition: ServerlessDefinition, host: FunctionHost, log: Logger): () => Promise<void> {
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<string>();
  for (const fn of definition.functions) {
    for (const t of fn.triggers) {
      if (t.type !== 'schedule') continue;
      const every = rateMs(t.rate);
      if (!every) {
        log.warn('schedule not run locally (only rate(N minutes|hours|days))', { function: fn.name, rate: t.rate });
        continue;
      }
      const timer = setInterval(() => {
        if (running.has(fn.name)) return;
        running.add(fn.name);
        void host
          .invoke(fn.name, {})
          .catch((e) => log.warn('scheduled invocation failed', { function: fn.name, error: e }))
          .finally(() => running.delete(fn.name));
      }, every);
      timer.unref();
      timers.push(timer);
    }
  }
  return async () => timers.forEach((t) => clearInterval(t));
}
