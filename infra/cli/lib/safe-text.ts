/**
 * Untrusted text on an operator's terminal.
 *
 * Keys come from whoever can write to the bucket, and records repeat them (folder names, error
 * messages quoting keys, ids from Onedata). Printed raw, an ESC starts a terminal escape sequence
 * (rewriting the screen, the title, the clipboard), a newline or CR fakes a line of output, and a
 * bidi override (U+202E) or isolate shows `evil‮lmy.AP` as something else. So every such string is
 * rendered with those characters escaped as `\u{…}`:
 *
 * - C0 controls (tab, newline and CR included), DEL and C1 controls;
 * - bidi marks, embeddings, overrides and isolates (U+061C, U+200E/F, U+202A–E, U+2066–9);
 * - invisible characters that make two strings look alike (U+200B–D, U+2060–4, U+FEFF) and the
 *   Unicode line/paragraph separators (U+2028/9);
 * - lone surrogates (not text at all).
 *
 * A backslash already followed by `u{` is doubled, so `\u{1b}` on screen always means the character
 * ESC was there, never that the key spelled it out.
 *
 * `safeText` is for one value; `safeLines` is the last line of defence in `Output` for whole lines
 * the CLI composed (it keeps their line breaks); `safeJson` keeps `--json` output proper JSON that
 * parses back to the same strings, with the same characters as `\uXXXX` escapes.
 */

const UNSAFE =
  /[\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** The same set without the line feed, for text whose line breaks are the CLI's own. */
const UNSAFE_BUT_NEWLINE =
  /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** What JSON.stringify leaves raw inside strings but a terminal would act on. */
const UNSAFE_IN_JSON = /[\u007F-\u009F\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;

const escapeChar = (c: string): string => `\\u{${c.charCodeAt(0).toString(16)}}`;

/** One untrusted value (a key, a folder, a message, an id) for human output. */
export function safeText(value: unknown): string {
  const s = typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
  return s.replace(/\\(?=u\{)/g, '\\\\').replace(UNSAFE, escapeChar);
}

/**
 * Whole lines composed by the CLI: every unsafe character but the line feed escaped. Idempotent on
 * text already passed through {@link safeText}, so values escaped at the source are not escaped twice.
 */
export function safeLines(text: string): string {
  return text.replace(UNSAFE_BUT_NEWLINE, escapeChar);
}

/** JSON text (from JSON.stringify) with terminal-active characters as `\uXXXX`: the same JSON value. */
export function safeJson(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
