import { describe, expect, it } from 'vitest';
import { exponentialCeiling, fullJitterDelay, parseRetryAfter } from '../../../shared/retry/index.ts';

describe('backoff helpers', () => {
  it('exponentialCeiling doubles and caps, even for huge attempts', () => {
    expect([0, 1, 2, 3].map((a) => exponentialCeiling(a, 100, 500))).toEqual([100, 200, 400, 500]);
    expect(exponentialCeiling(5000, 100, 500)).toBe(500);
  });

  it('fullJitterDelay stays within [0, ceiling)', () => {
    expect(fullJitterDelay(2, 100, 10_000, () => 0)).toBe(0);
    expect(fullJitterDelay(2, 100, 10_000, () => 0.5)).toBe(200);
  });

  it('parseRetryAfter reads delta-seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 1.5 ', now)).toBe(1500);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
