import { METRICS_MESSAGE } from '../../shared/metrics/index.ts';

/**
 * Log lines for a person at a terminal (`npm start`, `npm run demo`): one readable line per event
 * instead of the JSON deployed functions write (shared/log), e.g.
 *
 *   14:33:02.123  provision  datasets/Run1  step completed  step=create-space durationMs=45
 *
 * Metric lines (EMF documents, shared/metrics) are hidden unless asked for. A line that is not
 * one of ours passes through unchanged. Secrets were already redacted when the line was built.
 */
export interface HumanLogOptions {
  /** Show the EMF metric lines too (as one short line each). @default false */
  showMetrics?: boolean;
  /** Longest value printed for one field; longer ones are cut with "…". @default 80 */
  maxValueLength?: number;
}

/** Fields that make up the line's head, or that add nothing a person reads. */
const HEAD_FIELDS = new Set(['time', 'level', 'msg', 'app', 'fn', 'component', 'dataset', 'correlationId', '_aws']);

/** The line for a person, or undefined to print nothing. */
export function formatLogLine(line: string, options: HumanLogOptions = {}): string | undefined {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (rec === null || typeof rec !== 'object' || typeof rec.msg !== 'string') return line;
  const isMetrics = rec.msg === METRICS_MESSAGE;
  if (isMetrics && !options.showMetrics) return undefined;
  const max = options.maxValueLength ?? 80;
  const time = typeof rec.time === 'string' ? rec.time.slice(11, 23) : '';
  const level = rec.level === 'warn' ? 'WARN ' : rec.level === 'error' ? 'ERROR ' : '';
  const who = String(rec.fn ?? rec.component ?? rec.app ?? '');
  const head = [time, who, typeof rec.dataset === 'string' ? rec.dataset : '', `${level}${rec.msg}`].filter((p) => p !== '');
  const fields = Object.entries(rec)
    .filter(([k, v]) => !HEAD_FIELDS.has(k) && v !== undefined && v !== null && !(isMetrics && typeof v === 'object'))
    .map(([k, v]) => `${k}=${short(v, max)}`);
  return [...head, ...fields].join('  ');
}

function short(value: unknown, max: number): string {
  let text: string;
  if (typeof value === 'string') text = /[\s=]/.test(value) ? JSON.stringify(value) : value;
  else if (value && typeof value === 'object' && 'message' in value) text = JSON.stringify(String((value as { message: unknown }).message));
  else text = JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A log sink (shared/log setLogSink) that writes human lines to `write`. */
export function humanLogSink(options: HumanLogOptions = {}, write: (text: string) => void = (t) => process.stdout.write(t)): (line: string) => void {
  return (line) => {
    const text = formatLogLine(line, options);
    if (text !== undefined) write(`${text}\n`);
  };
}
