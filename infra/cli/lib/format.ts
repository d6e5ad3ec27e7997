/** Plain-text formatting for terminal output: tables, sizes, short texts. No colours (logs, pipes). */
import { safeText } from './safe-text.ts';

/**
 * Lays rows out in columns; the last column is never padded. Cells hold data (folders, ids,
 * messages): each is escaped with `safeText` here, before the widths are measured.
 */
export function table(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows.map((r) => r.map(safeText))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => width(r[i] ?? ''))));
  return all.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell + ' '.repeat(widths[i]! - width(cell))))
      .join('  ')
      .trimEnd(),
  );
}

/** Display width in code points (good enough for ids, paths and messages). */
function width(s: string): number {
  return [...s].length;
}

/** Cuts a text to `max` code points, on one line, marking the cut. */
export function shorten(text: string | undefined, max: number): string {
  if (!text) return '';
  const one = text.replace(/\s+/g, ' ').trim();
  const cps = [...one];
  return cps.length <= max ? one : cps.slice(0, Math.max(1, max - 1)).join('') + '…';
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** Bytes in 1024-based units (fs2od's `-r`), or the plain number. */
export function formatBytes(bytes: number | undefined, human: boolean): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '-';
  if (!human) return String(bytes);
  let v = bytes;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} ${UNITS[u]}`;
}

export const MARK = { ok: '✔', fail: '✘', warn: '⚠', skip: '-' } as const;

/** "3 provisioned · 1 failed" from counts, in a fixed order, zeros left out. */
export function countsLine(counts: Record<string, number>, order: string[]): string {
  const keys = [
    ...order,
    ...Object.keys(counts)
      .filter((k) => !order.includes(k))
      .sort(),
  ];
  return (
    keys
      .filter((k) => (counts[k] ?? 0) > 0)
      .map((k) => `${counts[k]} ${k}`)
      .join(' · ') || 'none'
  );
}
