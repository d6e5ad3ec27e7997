/**
 * fs2od's duration grammar (reference fs2od.md §1.11), used by `timeUntilRemoved`, `RemovingTime`,
 * `timeBeforeAction` and s3od's retention keys: space-separated `<int><unit>` tokens, units `y`
 * (365 days), `m` (30 days — a month, not a minute), `d`, `h`, all summed ("3h 5h" = 8 h), plus the
 * words `never` and `now`. fs2od read anything unparseable as `never`; s3od reports it instead (a
 * typo must not silently keep data, nor silently remove it).
 */
const UNIT_MS: Record<string, number> = { y: 365 * 86_400_000, m: 30 * 86_400_000, d: 86_400_000, h: 3_600_000 };

export type Duration = { kind: 'never' } | { kind: 'now' } | { kind: 'after'; ms: number };

export function parseDuration(text: string): Duration | undefined {
  const t = text.trim();
  if (t === 'never') return { kind: 'never' };
  if (t === 'now') return { kind: 'now' };
  const tokens = t.split(/\s+/);
  let ms = 0;
  for (const token of tokens) {
    const m = /^(\d+)([ymdh])$/.exec(token);
    if (!m) return undefined;
    ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return tokens.length > 0 && t !== '' ? { kind: 'after', ms } : undefined;
}

export const DURATION_HINT = 'must be "never", "now" or durations like "30d", "1y 2m", "12h" (y = 365 days, m = 30 days, d, h)';
