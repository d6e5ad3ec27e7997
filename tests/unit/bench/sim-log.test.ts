import { describe, expect, it } from 'vitest';
import { inFlightShare } from '../../../bench/lib/sim-log.ts';
import type { SimRequestLogEntry } from '../../../infra/local/onedata-sim/index.ts';

const call = (startedAt: number, endedAt: number): SimRequestLogEntry =>
  ({ seq: 0, method: 'POST', path: '/data/register', query: {}, body: null, status: 200, service: 'oneprovider', startedAt, endedAt }) as SimRequestLogEntry;

// Guards the import figure's inFlightShare: the time share per number of calls in flight, which
// shows the idle slots between waves of answers (docs/benchmarks.md, import-s3).
describe('inFlightShare', () => {
  it('splits the span by the number of calls in flight, gaps included', () => {
    // Two calls together for 20 ms, a 10 ms gap, then one call for 10 ms: span 40 ms.
    const share = inFlightShare([call(0, 20), call(0, 20), call(30, 40)]);
    expect(share).toEqual([0.25, 0.25, 0.5]);
  });

  it('is empty without calls', () => {
    expect(inFlightShare([])).toEqual([]);
  });
});
