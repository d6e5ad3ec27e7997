/** Delay computations, kept pure so the schedule can be unit-tested without timers. */

/** Resolves after `ms` milliseconds. The default `sleep` of every helper in this module. */
export function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** The exponential ceiling for retry `attempt` (0-based): `min(maxDelayMs, baseDelayMs * 2^attempt)`. */
export function exponentialCeiling(attempt: number, baseDelayMs: number, maxDelayMs: number): number {
  // Cap the exponent: 2^1024 is Infinity, and anything past ~2^40 exceeds any sane maxDelayMs anyway.
  const exp = Math.min(Math.max(0, attempt), 40);
  return Math.max(0, Math.min(maxDelayMs, baseDelayMs * 2 ** exp));
}

/**
 * "Full jitter" (AWS architecture blog): a uniformly random delay in [0, ceiling]. It spreads out
 * clients that failed together better than equal or decorrelated jitter.
 */
export function fullJitterDelay(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * exponentialCeiling(attempt, baseDelayMs, maxDelayMs));
}

/**
 * Polling delay: in [ceiling/2, ceiling]. Half of the interval is fixed so a poll loop never
 * degenerates into back-to-back requests (the servers have no rate limiting of their own).
 */
export function equalJitterDelay(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  const ceiling = exponentialCeiling(attempt, baseDelayMs, maxDelayMs);
  return Math.floor(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Parses an HTTP `Retry-After` value (delta-seconds or an HTTP-date) into milliseconds from `nowMs`.
 * Returns undefined when absent or unparseable; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | undefined | null, nowMs: number = Date.now()): number | undefined {
  if (value === undefined || value === null) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
