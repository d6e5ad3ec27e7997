import { InvalidNameError } from './errors.ts';

/** Onedata 21.02.1+ name length limits, in characters (Unicode code points), not bytes. */
export const NAME_MIN_LENGTH = 2;
export const NAME_MAX_LENGTH = 128;

/**
 * ctool `str_utils:validate_name/1` (Erlang `re` with `unicode, ucp`):
 * `^[)(\w_][)(\w_ .-]{0,126}[)(\w_]$`, where `\w` under UCP means a Unicode letter, a Unicode
 * number or `_`. It applies to space, group, share, token and storage names alike.
 */
const EDGE_CHAR = /^[()\p{L}\p{N}_]$/u;
const INNER_CHAR = /^[()\p{L}\p{N}_ .-]$/u;

export type NameValidation = { ok: true } | { ok: false; reason: string };

function describeChar(c: string): string {
  const cp = c.codePointAt(0) ?? 0;
  const printable = /\p{C}|\p{Z}/u.test(c) ? '' : `"${c}" `;
  return `${printable}(U+${cp.toString(16).toUpperCase().padStart(4, '0')})`;
}

/** Checks a name against the Onedata 21.02 rule and says what is wrong with it. */
export function validateOnedataName(name: string): NameValidation {
  if (typeof name !== 'string') return { ok: false, reason: 'name must be a string' };
  const chars = Array.from(name);
  if (chars.length < NAME_MIN_LENGTH) return { ok: false, reason: `must be at least ${NAME_MIN_LENGTH} characters long (got ${chars.length})` };
  if (chars.length > NAME_MAX_LENGTH) return { ok: false, reason: `must be at most ${NAME_MAX_LENGTH} characters long (got ${chars.length})` };
  const first = chars[0]!;
  const last = chars[chars.length - 1]!;
  if (!EDGE_CHAR.test(first)) {
    return { ok: false, reason: `must start with a letter, digit, underscore or bracket, not ${describeChar(first)}` };
  }
  if (!EDGE_CHAR.test(last)) {
    return { ok: false, reason: `must end with a letter, digit, underscore or bracket, not ${describeChar(last)}` };
  }
  const bad = [...new Set(chars.slice(1, -1).filter((c) => !INNER_CHAR.test(c)))];
  if (bad.length > 0) {
    return {
      ok: false,
      reason: `may contain only letters, digits, underscores, brackets, and inside also spaces, dots and dashes; found ${bad.map(describeChar).join(', ')}`,
    };
  }
  return { ok: true };
}

/**
 * Turns a raw dataset name (e.g. a bucket folder) into a valid Onedata name with fs2od's clean-up:
 * trim → `+` and `@` to `_` → each whitespace run to one `_` → cut to 128 characters. Before that
 * the name is NFC-normalised, so decomposed accents (as macOS writes them) count as letters.
 * Nothing else is changed: a name that is still invalid (e.g. leading dot, `#`, only symbols)
 * throws `InvalidNameError` saying why, rather than being silently rewritten into something else.
 */
export function sanitiseDatasetName(raw: string): string {
  if (typeof raw !== 'string') throw new InvalidNameError(String(raw), 'name must be a string');
  const cleaned = Array.from(raw.normalize('NFC').trim().replace(/[+@]/g, '_').replace(/\s+/gu, '_')).slice(0, NAME_MAX_LENGTH).join('');
  const check = validateOnedataName(cleaned);
  if (!check.ok) {
    throw new InvalidNameError(raw, cleaned === raw ? check.reason : `${check.reason} (after clean-up: ${JSON.stringify(cleaned)})`, cleaned);
  }
  return cleaned;
}

/** Throws `InvalidNameError` unless `name` is valid as it is (no clean-up). */
export function assertValidOnedataName(name: string): void {
  const check = validateOnedataName(name);
  if (!check.ok) throw new InvalidNameError(name, check.reason);
}
