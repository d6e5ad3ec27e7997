import { describe, expect, it } from 'vitest';
import { formatLogLine, humanLogSink } from '../../../infra/local/human-log.ts';
import { createLogger, registerSecret, setLogSink } from '../../../shared/log/index.ts';

describe('human log lines (npm start, npm run demo)', () => {
  it('one readable line: time, function, dataset, message, then the key fields', () => {
    const line = JSON.stringify({
      time: '2026-12-04T14:33:02.123Z',
      level: 'info',
      msg: 'step completed',
      app: 's3od',
      fn: 'provision',
      dataset: 'datasets/Run1',
      correlationId: 'c1',
      step: 'create-space',
      durationMs: 45,
    });
    expect(formatLogLine(line)).toBe('14:33:02.123  provision  datasets/Run1  step completed  step=create-space  durationMs=45');
  });

  it('marks warnings and errors, and shows an error by its message', () => {
    const line = JSON.stringify({
      time: '2026-12-04T14:33:02.123Z',
      level: 'error',
      msg: 'attempt failed',
      fn: 'provision',
      error: { name: 'OnedataError', message: 'zone POST /spaces → 503' },
    });
    expect(formatLogLine(line)).toBe('14:33:02.123  provision  ERROR attempt failed  error="zone POST /spaces → 503"');
  });

  it('hides metric lines unless asked for, and passes foreign lines through', () => {
    const metrics = JSON.stringify({
      time: '2026-12-04T14:33:02.123Z',
      level: 'info',
      msg: 'metrics',
      fn: 'import',
      _aws: { CloudWatchMetrics: [] },
      Registered: 3,
    });
    expect(formatLogLine(metrics)).toBeUndefined();
    expect(formatLogLine(metrics, { showMetrics: true })).toBe('14:33:02.123  import  metrics  Registered=3');
    expect(formatLogLine('READY in 2500 ms')).toBe('READY in 2500 ms');
  });

  it('keeps secrets out: the sink sees lines already redacted by shared/log', () => {
    const printed: string[] = [];
    const previous = setLogSink(humanLogSink({}, (t) => void printed.push(t)));
    try {
      registerSecret('SECRET-TOKEN-1234567890');
      createLogger({ fn: 'provision' }).info('token created', { detail: 'join with SECRET-TOKEN-1234567890' });
    } finally {
      setLogSink(previous);
    }
    expect(printed).toHaveLength(1);
    expect(printed[0]).not.toContain('SECRET-TOKEN-1234567890');
  });
});
