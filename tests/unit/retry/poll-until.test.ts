import { describe, expect, it } from 'vitest';
import { DeadlineExceededError, pollUntil } from '../../../shared/retry/index.ts';
import { fakeTime } from './fake-time.ts';

class NotYet extends Error {}

describe('pollUntil', () => {
  it('returns the first defined value', async () => {
    const t = fakeTime();
    let n = 0;
    const v = await pollUntil(async () => (++n >= 3 ? { dirId: 'd' } : undefined), {
      deadlineMs: 10_000,
      description: 'thing',
      sleep: t.sleep,
      now: t.now,
    });
    expect(v).toEqual({ dirId: 'd' });
    expect(n).toBe(3);
    expect(t.state.sleeps).toHaveLength(2);
  });

  it('treats falsy values other than undefined as results', async () => {
    const t = fakeTime();
    expect(await pollUntil(async () => 0, { deadlineMs: 1, description: 'zero', sleep: t.sleep, now: t.now })).toBe(0);
    expect(await pollUntil(async () => null, { deadlineMs: 1, description: 'null', sleep: t.sleep, now: t.now })).toBeNull();
  });

  it('backs off exponentially between initialDelayMs and maxDelayMs (equal jitter)', async () => {
    const t = fakeTime();
    let n = 0;
    await pollUntil(async () => (++n > 5 ? true : undefined), {
      deadlineMs: 100_000,
      initialDelayMs: 100,
      maxDelayMs: 500,
      description: 'x',
      random: () => 0,
      sleep: t.sleep,
      now: t.now,
    });
    // Ceilings 100, 200, 400, 500, 500; random=0 gives half of each.
    expect(t.state.sleeps).toEqual([50, 100, 200, 250, 250]);
  });

  it('throws DeadlineExceededError naming what was awaited, after a final check at the deadline', async () => {
    const t = fakeTime();
    let n = 0;
    const err = await pollUntil(
      async () => {
        n++;
        return undefined;
      },
      { deadlineMs: 1000, initialDelayMs: 400, maxDelayMs: 400, random: () => 1, description: 'space abc on provider', sleep: t.sleep, now: t.now },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineExceededError);
    const d = err as DeadlineExceededError;
    expect(d.description).toBe('space abc on provider');
    expect(d.message).toContain('space abc on provider');
    expect(d.deadlineMs).toBe(1000);
    // Checks at 0, 400, 800 and a last one at 1000 (the pause is shortened to the remaining 200 ms).
    expect(t.state.sleeps).toEqual([400, 400, 200]);
    expect(n).toBe(4);
    expect(d.attempts).toBe(4);
  });

  it('keeps polling through retryable errors and reports the last one as cause', async () => {
    const t = fakeTime();
    const last = new NotYet('still not');
    const err = await pollUntil(
      async () => {
        throw last;
      },
      { deadlineMs: 500, initialDelayMs: 100, description: 'x', isRetryable: (e) => e instanceof NotYet, sleep: t.sleep, now: t.now },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeadlineExceededError);
    expect((err as Error).cause).toBe(last);
    expect((err as Error).message).toContain('still not');
  });

  it('rethrows a non-retryable error at once', async () => {
    const t = fakeTime();
    const boom = new Error('boom');
    await expect(
      pollUntil(
        async () => {
          throw boom;
        },
        { deadlineMs: 10_000, description: 'x', isRetryable: (e) => e instanceof NotYet, sleep: t.sleep, now: t.now },
      ),
    ).rejects.toBe(boom);
    expect(t.state.sleeps).toEqual([]);
  });

  it('calls onPoll with the attempt and the pause', async () => {
    const t = fakeTime();
    const polls: Array<[number, number]> = [];
    let n = 0;
    await pollUntil(async () => (++n === 3 ? 'ok' : undefined), {
      deadlineMs: 10_000,
      initialDelayMs: 10,
      random: () => 1,
      description: 'x',
      onPoll: (a, d) => polls.push([a, d]),
      sleep: t.sleep,
      now: t.now,
    });
    expect(polls).toEqual([
      [1, 10],
      [2, 20],
    ]);
  });
});
