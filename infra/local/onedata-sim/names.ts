/**
 * Onedata 21.02 name rules (ctool `str_utils:validate_name/1`): 2-128 characters; first and last a Unicode
 * letter/digit, `_`, `(` or `)`; inside also space, `.` and `-`. Used for spaces, groups, tokens, shares and storages.
 */
import { err, fail } from './errors.ts';

const NAME_RE = /^[()\p{L}\p{N}_][()\p{L}\p{N}_ .-]{0,126}[()\p{L}\p{N}_]$/u;

export function isValidName(name: unknown): name is string {
  return typeof name === 'string' && NAME_RE.test(name);
}

/** Throws `400 badValueName {key}` when `name` breaks the rules. */
export function assertValidName(name: unknown, key = 'name'): string {
  if (!isValidName(name)) fail(err.badValueName(key));
  return name;
}
