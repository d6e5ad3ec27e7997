import { describe, expect, it } from 'vitest';
import { nextRetryDelay, withRetry, type RetryPolicy } from '../../../shared/retry/index.ts';
import { fakeTime } from './fake-time.ts';

class Transient extends Error {
  constructor(public retryAfterMs?: number) {
    super('transient');
  }
}
class Fatal extends Error {}

function failingTimes<T>(n: number, value: T, err: () => Error = () => new Transient()) {
  let calls = 0;
  const fn = async (): Promise<T> => {
    calls++;
    if (calls <= n) throw err();
    return value;
  };
  return { fn, calls: () => calls };
}

const isTransient = (e: unknown) => e instanceof Transient;

describe('withRetry', () => {
  it('returns the first success without sleeping', async () => {
    const t = fakeTime();
    const result = await withRetry(async () => 'ok', { isRetryable: isTransient, sleep: t.sleep, now: t.now });
    expect(result).toBe('ok');
    expect(t.state.sleeps).toEqual([]);
  });

  it('retries transient errors with exponential full-jitter delays', async () => {
    const t = fakeTime();
    const op = failingTimes(3, 42);
    const seen: Array<[number, number]> = [];
    const result = await withRetry(op.fn, {
      retries: 5,
      baseDelayMs: 100,
      maxDelayMs: 250,
      isRetryable: isTransient,
      random: () => 0.999999,
      onRetry: (_e, attempt, delay) => seen.push([attempt, delay]),
      sleep: t.sleep,
      now: t.now,
    });
    expect(result).toBe(42);
    expect(op.calls()).toBe(4);
    // Ceilings 100, 200, 400→capped 250; random≈1 gives just under each ceiling.
    expect(t.state.sleeps).toEqual([99, 199, 249]);
    expect(seen).toEqual([
      [1, 99],
      [2, 199],
      [3, 249],
    ]);
  });

  it('full jitter can pick zero', async () => {
    const t = fakeTime();
    const op = failingTimes(2, 'x');
    await withRetry(op.fn, { isRetryable: isTransient, random: () => 0, sleep: t.sleep, now: t.now });
    expect(t.state.sleeps).toEqual([0, 0]);
  });

  it('does not retry errors the policy rejects', async () => {
    const t = fakeTime();
    const op = failingTimes(1, 'x', () => new Fatal('nope'));
    await expect(withRetry(op.fn, { isRetryable: isTransient, sleep: t.sleep, now: t.now })).rejects.toBeInstanceOf(Fatal);
    expect(op.calls()).toBe(1);
  });

  it('gives up after `retries` extra attempts and rethrows the last error unchanged', async () => {
    const t = fakeTime();
    let n = 0;
    const errors: Transient[] = [];
    const fn = async () => {
      n++;
      const e = new Transient();
      errors.push(e);
      throw e;
    };
    const caught = await withRetry(fn, { retries: 2, isRetryable: isTransient, sleep: t.sleep, now: t.now }).catch((e) => e);
    expect(n).toBe(3);
    expect(caught).toBe(errors[2]);
  });

  it('honours a server Retry-After instead of the computed backoff, capped', async () => {
    const t = fakeTime();
    let n = 0;
    const fn = async () => {
      n++;
      if (n === 1) throw new Transient(1500);
      if (n === 2) throw new Transient(120_000);
      return 'done';
    };
    await withRetry(fn, { isRetryable: isTransient, maxRetryAfterMs: 5000, random: () => 0, sleep: t.sleep, now: t.now });
    expect(t.state.sleeps).toEqual([1500, 5000]);
  });

  it('stops when the next sleep would cross the overall deadline', async () => {
    const t = fakeTime();
    let n = 0;
    const fn = async () => {
      n++;
      t.state.now += 300; // each attempt "takes" 300 ms
      throw new Transient();
    };
    const policy: RetryPolicy = {
      retries: 100,
      baseDelayMs: 200,
      maxDelayMs: 200,
      deadlineMs: 1000,
      random: () => 0.5,
      isRetryable: isTransient,
      sleep: t.sleep,
      now: t.now,
    };
    await expect(withRetry(fn, policy)).rejects.toBeInstanceOf(Transient);
    // 300 (+100) 400 → 700 (+100) 800 → 1100: the third failure is past the deadline.
    expect(n).toBe(3);
    expect(t.state.now).toBeLessThanOrEqual(1100);
  });

  it('passes the 1-based attempt number to fn', async () => {
    const t = fakeTime();
    const attempts: number[] = [];
    await withRetry(
      async (attempt) => {
        attempts.push(attempt);
        if (attempt < 3) throw new Transient();
        return attempt;
      },
      { isRetryable: isTransient, sleep: t.sleep, now: t.now },
    );
    expect(attempts).toEqual([1, 2, 3]);
  });
});

describe('nextRetryDelay', () => {
  const base: RetryPolicy = { retries: 2, baseDelayMs: 100, maxDelayMs: 1000, isRetryable: isTransient, random: () => 0.5 };

  it('is a pure function of (error, attempt, elapsed, policy)', () => {
    expect(nextRetryDelay(new Transient(), 1, 0, base)).toBe(50);
    expect(nextRetryDelay(new Transient(), 2, 0, base)).toBe(100);
    expect(nextRetryDelay(new Transient(), 3, 0, base)).toBeUndefined();
    expect(nextRetryDelay(new Fatal(), 1, 0, base)).toBeUndefined();
    expect(nextRetryDelay('a string', 1, 0, base)).toBeUndefined();
  });

  it('ignores a negative or non-numeric retryAfterMs', () => {
    const weird = Object.assign(new Transient(), { retryAfterMs: -5 });
    expect(nextRetryDelay(weird, 1, 0, base)).toBe(50);
  });

  it('refuses a delay that would end at or after the deadline', () => {
    expect(nextRetryDelay(new Transient(), 1, 940, { ...base, deadlineMs: 1000 })).toBe(50);
    expect(nextRetryDelay(new Transient(), 1, 950, { ...base, deadlineMs: 1000 })).toBeUndefined();
  });
});
