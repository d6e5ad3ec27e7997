import { fullJitterDelay, realSleep } from './backoff.ts';

/** How `withRetry` retries. Durations are milliseconds. */
export interface RetryPolicy {
  /** Extra attempts after the first one. @default 3 */
  retries?: number;
  /** Ceiling of the first backoff; doubles per retry. @default 200 */
  baseDelayMs?: number;
  /** Upper bound of any computed backoff. @default 10000 */
  maxDelayMs?: number;
  /**
   * Decides whether a failure may be retried. Required on purpose: unknown errors (bugs,
   * validation failures) must never be retried by accident.
   */
  isRetryable: (err: unknown) => boolean;
  /** Called before each backoff sleep. `attempt` is the 1-based number of the attempt that failed. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  /**
   * Overall time budget measured from the first call. No new attempt starts, and no backoff sleep
   * is begun, that would end past it; the last error is then rethrown unchanged.
   */
  deadlineMs?: number;
  /**
   * A server-requested delay (`Retry-After`) replaces the computed backoff, without jitter, capped
   * at this value. @default 60000
   */
  maxRetryAfterMs?: number;
  /**
   * Extracts a server-requested delay from an error. @default reads a numeric `retryAfterMs`
   * property, which `OnedataError` fills from the `Retry-After` header.
   */
  retryAfterMs?: (err: unknown) => number | undefined;
  /** Injectable for tests. @default setTimeout-based sleep */
  sleep?: (ms: number) => Promise<void>;
  /** Injectable clock for tests. @default Date.now */
  now?: () => number;
  /** Injectable randomness for tests, returning [0, 1). @default Math.random */
  random?: () => number;
}

export const DEFAULT_RETRY = { retries: 3, baseDelayMs: 200, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 } as const;

function defaultRetryAfterMs(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'retryAfterMs' in err) {
    const v = (err as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  }
  return undefined;
}

/**
 * The pure retry decision: the delay before the next attempt, or `undefined` to give up.
 * `attempt` is the 1-based number of the attempt that just failed; `elapsedMs` is the time since
 * the first attempt started.
 */
export function nextRetryDelay(err: unknown, attempt: number, elapsedMs: number, policy: RetryPolicy): number | undefined {
  const retries = policy.retries ?? DEFAULT_RETRY.retries;
  if (attempt > retries) return undefined;
  if (!policy.isRetryable(err)) return undefined;
  const serverDelay = (policy.retryAfterMs ?? defaultRetryAfterMs)(err);
  const delay =
    serverDelay !== undefined
      ? Math.min(serverDelay, policy.maxRetryAfterMs ?? DEFAULT_RETRY.maxRetryAfterMs)
      : fullJitterDelay(attempt - 1, policy.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs, policy.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs, policy.random);
  if (policy.deadlineMs !== undefined && elapsedMs + delay >= policy.deadlineMs) return undefined;
  return delay;
}

/**
 * Runs `fn` and retries it with exponential backoff and full jitter while `policy.isRetryable`
 * accepts the error, up to `policy.retries` extra attempts and within `policy.deadlineMs`.
 * The final error is rethrown unchanged, so callers keep their typed errors.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, policy: RetryPolicy): Promise<T> {
  const sleep = policy.sleep ?? realSleep;
  const now = policy.now ?? Date.now;
  const start = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      const delay = nextRetryDelay(err, attempt, now() - start, policy);
      if (delay === undefined) throw err;
      policy.onRetry?.(err, attempt, delay);
      await sleep(delay);
    }
  }
}
