/**
 * The one check every object key passes before s3od maps it to a dataset. A key is a path: its
 * segments become folder names in Onedata, a posix mount point, and lines in `s3od status`. So a
 * segment may be neither empty, `.` nor `..` (a storage on `<root>/a/../b` or `<root>/a//` would
 * be some other folder), and no character may be a control or bidi-formatting character (they
 * forge log lines and make a name read as another on a terminal).
 */
export type KeyCheck = { ok: true; segments: string[] } | { ok: false; reason: string };

// C0 and C1 controls and DEL; bidi embeddings, overrides, isolates and marks (U+061C, U+200E/F,
// U+202A–U+202E, U+2066–U+2069); lone surrogates (a key that is not valid UTF-16 text).
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function describe(c: string): string {
  return `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Why `text` cannot be part of a key, or undefined when every character is acceptable. */
export function unsafeCharacterIn(text: string): string | undefined {
  if (LONE_SURROGATE.test(text)) return 'is not valid Unicode text (a lone surrogate)';
  const control = CONTROL.exec(text);
  if (control) return `contains the control character ${describe(control[0])}`;
  const bidi = BIDI.exec(text);
  if (bidi) return `contains the bidirectional-formatting character ${describe(bidi[0])}`;
  return undefined;
}

/**
 * Checks a key (or a folder path without its trailing slash). A single trailing "/" (a folder
 * marker object) is allowed and not counted as an empty segment.
 */
export function checkKey(key: string): KeyCheck {
  if (typeof key !== 'string' || key.length === 0) return { ok: false, reason: 'the key is empty' };
  const bad = unsafeCharacterIn(key);
  if (bad) return { ok: false, reason: `the key ${bad}` };
  const body = key.endsWith('/') ? key.slice(0, -1) : key;
  const segments = body.split('/');
  for (const [i, s] of segments.entries()) {
    if (s === '') return { ok: false, reason: `path segment ${i + 1} is empty (a leading "/" or "//")` };
    if (s === '.' || s === '..') return { ok: false, reason: `path segment ${i + 1} is "${s}"` };
  }
  return { ok: true, segments };
}

/** Renders a string that failed `checkKey` safely for a log line or a terminal. */
export function escapeUnsafe(text: string): string {
  return text.replace(
    /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|[\ud800-\udfff]/gu,
    (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`,
  );
}
