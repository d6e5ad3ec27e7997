/**
 * The project's single place for retries, backoff, polling with deadlines and concurrency limits.
 * Nothing else in the code base should loop with sleeps.
 */
export { withRetry, nextRetryDelay, DEFAULT_RETRY, type RetryPolicy } from './with-retry.ts';
export { pollUntil, type PollOptions } from './poll-until.ts';
export { RETRY_PRESETS, type RetryPreset } from './presets.ts';
export { Semaphore, limitConcurrency } from './semaphore.ts';
export { DeadlineExceededError, isDeadlineExceededError } from './errors.ts';
export { realSleep, exponentialCeiling, fullJitterDelay, equalJitterDelay, parseRetryAfter } from './backoff.ts';
