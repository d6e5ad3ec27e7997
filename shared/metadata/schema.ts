/**
 * The YAML schema used to read metadata files: "lossless typed".
 *
 * Why neither stock schema:
 * - CORE_SCHEMA changes what the operator wrote: `version: 1.10` becomes 1.1, `zip: 012345` becomes
 *   12345, `0x1F` becomes 31. Those values then reach the Onedata JSON metadata altered.
 * - FAILSAFE_SCHEMA keeps every scalar as written, but as strings only: `NotifyCompletion: true`,
 *   `Err: null` and `Count: 42` would be published as "true", "null" and "42".
 *
 * So we start from FAILSAFE (everything is a string) and add four implicit resolvers for *plain*
 * (unquoted) scalars that only fire when the typed value prints back to exactly the same text:
 * `null`/`~`/empty → null, `true`/`false` → boolean, canonical decimal integers within the safe range,
 * canonical decimal fractions (`2.5`, not `2.50`, `1e3` or `.5`). Anything else — dates, octal, hex,
 * `yes`/`no`, `True`, `1_000`, `1.10` — stays the exact string. Quoted scalars are always strings.
 * There are no timestamp, binary, merge or set tags, so there can never be a Date (fs2od bug 16).
 */
import { FAILSAFE_SCHEMA, NOT_RESOLVED, defineScalarTag, type Schema } from 'js-yaml';

const DIGIT_START = ['-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

const nullTag = defineScalarTag<null>('tag:yaml.org,2002:null', {
  implicit: true,
  implicitFirstChars: ['', 'n', '~'],
  resolve: (source) => (source === '' || source === 'null' || source === '~' ? null : NOT_RESOLVED),
  identify: (data) => data === null,
  represent: () => 'null',
});

const boolTag = defineScalarTag<boolean>('tag:yaml.org,2002:bool', {
  implicit: true,
  implicitFirstChars: ['t', 'f'],
  resolve: (source) => (source === 'true' ? true : source === 'false' ? false : NOT_RESOLVED),
  identify: (data) => typeof data === 'boolean',
});

const INT = /^-?(?:0|[1-9][0-9]*)$/;
const intTag = defineScalarTag<number>('tag:yaml.org,2002:int', {
  implicit: true,
  implicitFirstChars: DIGIT_START,
  resolve: (source) => {
    if (!INT.test(source)) return NOT_RESOLVED;
    const n = Number(source);
    return Number.isSafeInteger(n) && String(n) === source ? n : NOT_RESOLVED;
  },
  identify: (data) => typeof data === 'number' && Number.isInteger(data),
});

const FLOAT = /^-?(?:0|[1-9][0-9]*)\.[0-9]+$/;
const floatTag = defineScalarTag<number>('tag:yaml.org,2002:float', {
  implicit: true,
  implicitFirstChars: DIGIT_START,
  resolve: (source) => {
    if (!FLOAT.test(source)) return NOT_RESOLVED;
    const n = Number(source);
    return Number.isFinite(n) && String(n) === source ? n : NOT_RESOLVED;
  },
  identify: (data) => typeof data === 'number' && !Number.isInteger(data),
});

export const METADATA_SCHEMA: Schema = FAILSAFE_SCHEMA.withTags(nullTag, boolTag, intTag, floatTag);

/** Explicit tags an operator may write; they do not change how the value is read. */
export const ALLOWED_EXPLICIT_TAGS: ReadonlySet<string> = new Set([
  '!!str',
  '!!map',
  '!!seq',
  '!<tag:yaml.org,2002:str>',
  '!<tag:yaml.org,2002:map>',
  '!<tag:yaml.org,2002:seq>',
]);
