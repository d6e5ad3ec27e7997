/**
 * Rendering the strings we write (section/key names, URLs, ids, tokens) as YAML scalars that read
 * back as exactly the same string — for our own parser and for any YAML 1.1/1.2 reader (PyYAML,
 * ruamel, js-yaml defaults) the researchers may use. Always a single line, never folded.
 */
import { DUMP_SCHEMA, load } from 'js-yaml';
import { METADATA_SCHEMA } from './schema.ts';

/** Characters that can make a value unsafe or invisible; rejected in values we write. */
export const FORBIDDEN_IN_VALUES = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\uFEFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

// Conservative plain-scalar alphabet: no spaces, no indicators in first position, no quotes, no `#`
// after a space (there are no spaces), no flow indicators.
const PLAIN_VALUE = /^[A-Za-z0-9_./~+=$][A-Za-z0-9_./~+=$%@:?&!*;#()-]*$/;
const PLAIN_KEY = /^[A-Za-z0-9_][A-Za-z0-9_./ -]*$/;

/** Reads as the same string under our schema and under the broadest YAML 1.1/1.2 typing. */
function readsBackAsString(s: string): boolean {
  try {
    return load(s, { schema: METADATA_SCHEMA }) === s && load(s, { schema: DUMP_SCHEMA }) === s;
  } catch {
    return false;
  }
}

/** A double-quoted YAML scalar (JSON string syntax is valid YAML double-quoted syntax). */
export function doubleQuoted(s: string): string {
  return JSON.stringify(s).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/**
 * Plain scalars some reader types although ours and YAML 1.1 keep them as text: YAML 1.2 core's
 * numbers (`1e3`, `1e9999` → a float to ruamel, which fs2od used; `0o17` → an int) and PyYAML's
 * `=` (its "value" tag, which it refuses to load).
 */
const TYPED_ELSEWHERE = /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|=)$/;

/** A value in block context: plain when that is unambiguous, else double-quoted. */
export function renderBlockValue(s: string): string {
  return s !== '' && PLAIN_VALUE.test(s) && !s.endsWith(':') && !TYPED_ELSEWHERE.test(s) && readsBackAsString(s) ? s : doubleQuoted(s);
}

/**
 * A value inside a flow mapping (`{...}`): always double-quoted. Plain scalars with `:` in flow
 * context are read differently by YAML 1.1 parsers, and URLs have one.
 */
export function renderFlowValue(s: string): string {
  return doubleQuoted(s);
}

/** A mapping key: plain when it is a simple word, else double-quoted. `json` forces quotes. */
export function renderKey(s: string, json = false): string {
  if (json) return doubleQuoted(s);
  return PLAIN_KEY.test(s) && !s.endsWith(' ') && readsBackAsString(s) ? s : doubleQuoted(s);
}
