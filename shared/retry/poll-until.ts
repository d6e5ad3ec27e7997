import { equalJitterDelay, realSleep } from './backoff.ts';
import { DeadlineExceededError } from './errors.ts';

/** Options of `pollUntil`. Durations are milliseconds. */
export interface PollOptions {
  /** Total time budget measured from the first check. */
  deadlineMs: number;
  /** Ceiling of the first pause between checks; doubles per poll. @default 500 */
  initialDelayMs?: number;
  /** Upper bound of the pause between checks. @default 30000 */
  maxDelayMs?: number;
  /** What is awaited, for the `DeadlineExceededError` message and logs, e.g. "provider sees space X". */
  description: string;
  /**
   * Errors thrown by `check` that mean "not yet" and keep the loop going. Anything else is
   * rethrown at once. @default nothing is retryable
   */
  isRetryable?: (err: unknown) => boolean;
  /** Called before each pause. `attempt` is the 1-based number of the check that just ran. */
  onPoll?: (attempt: number, delayMs: number, lastError: unknown) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

/**
 * Calls `check` until it returns something other than `undefined`, backing off between calls.
 * A `check` that throws a non-retryable error ends the wait with that error; running out of time
 * throws `DeadlineExceededError` naming `description` (with the last retryable error as `cause`).
 * A last check is made right at the deadline, so a condition that becomes true while the final
 * pause runs is not missed.
 */
export async function pollUntil<T>(check: (attempt: number) => Promise<T | undefined>, opts: PollOptions): Promise<T> {
  const sleep = opts.sleep ?? realSleep;
  const now = opts.now ?? Date.now;
  const initialDelayMs = opts.initialDelayMs ?? 500;
  const maxDelayMs = Math.max(initialDelayMs, opts.maxDelayMs ?? 30_000);
  const isRetryable = opts.isRetryable ?? (() => false);
  const start = now();
  let lastError: unknown;
  for (let attempt = 1; ; attempt++) {
    try {
      const value = await check(attempt);
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (err) {
      if (!isRetryable(err)) throw err;
      lastError = err;
    }
    const elapsedMs = now() - start;
    const remainingMs = opts.deadlineMs - elapsedMs;
    if (remainingMs <= 0) {
      throw new DeadlineExceededError({
        description: opts.description,
        deadlineMs: opts.deadlineMs,
        elapsedMs,
        attempts: attempt,
        cause: lastError,
      });
    }
    const delay = Math.min(remainingMs, equalJitterDelay(attempt - 1, initialDelayMs, maxDelayMs, opts.random));
    opts.onPoll?.(attempt, delay, lastError);
    await sleep(delay);
  }
}
