/** Knob defaults and validation (used by the API, `POST /_sim/config` and the CLI). */
import type { SimDropAnswerRule, SimKnobs } from './types.ts';

export const DEFAULT_KNOBS: Readonly<SimKnobs> = Object.freeze({
  latencyMs: 0,
  propagationDelayMs: 0,
  faultRate: 0,
  lostResponseRate: 0,
  scanDurationMs: 200,
  transferDurationMs: 200,
  // Frozen and never mutated: the server replaces the array when a rule is used up.
  dropAnswers: Object.freeze([]) as unknown as SimDropAnswerRule[],
});

const RATE_KNOBS = new Set<keyof SimKnobs>(['faultRate', 'lostResponseRate']);
export const KNOB_NAMES = Object.keys(DEFAULT_KNOBS) as (keyof SimKnobs)[];

export class KnobError extends Error {
  override name = 'KnobError';
}

/** Checks a partial knob set; unknown keys and out-of-range values throw `KnobError`. */
export function validateKnobs(input: unknown): Partial<SimKnobs> {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new KnobError('knobs must be a JSON object');
  }
  const out: Partial<SimKnobs> = {};
  for (const [key, value] of Object.entries(input)) {
    if (!(KNOB_NAMES as string[]).includes(key)) throw new KnobError(`unknown knob "${key}"`);
    const name = key as keyof SimKnobs;
    if (name === 'dropAnswers') {
      out.dropAnswers = validateDropAnswers(value);
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new KnobError(`knob "${key}" must be a non-negative number`);
    }
    if (RATE_KNOBS.has(name) && value > 1) throw new KnobError(`knob "${key}" must be between 0 and 1`);
    (out as Record<string, number>)[name] = value;
  }
  return out;
}

function validateDropAnswers(value: unknown): SimDropAnswerRule[] {
  if (!Array.isArray(value)) throw new KnobError('knob "dropAnswers" must be a list of {method, path, bodyContains?, times?}');
  return value.map((r, i) => {
    const rule = r as Partial<SimDropAnswerRule> | null;
    if (!rule || typeof rule !== 'object' || typeof rule.method !== 'string' || typeof rule.path !== 'string') {
      throw new KnobError(`dropAnswers[${i}] needs a method and a path (strings)`);
    }
    try {
      new RegExp(`^(?:${rule.path})$`);
    } catch {
      throw new KnobError(`dropAnswers[${i}].path is not a regular expression`);
    }
    if (rule.bodyContains !== undefined && typeof rule.bodyContains !== 'string') throw new KnobError(`dropAnswers[${i}].bodyContains must be a string`);
    const times = rule.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new KnobError(`dropAnswers[${i}].times must be a positive integer`);
    return { method: rule.method.toUpperCase(), path: rule.path, ...(rule.bodyContains !== undefined ? { bodyContains: rule.bodyContains } : {}), times };
  });
}

/**
 * Whether this call's answer is to be dropped (`dropAnswers`); uses up one match of the first
 * rule that matches by returning the rules left (the knob's array is replaced, never mutated).
 */
export function takeDropAnswer(
  rules: readonly SimDropAnswerRule[],
  method: string,
  path: string,
  rawBody: string,
): { drop: boolean; rest: SimDropAnswerRule[] } {
  const i = rules.findIndex(
    (r) => r.method === method.toUpperCase() && new RegExp(`^(?:${r.path})$`).test(path) && (r.bodyContains === undefined || rawBody.includes(r.bodyContains)),
  );
  if (i < 0) return { drop: false, rest: rules as SimDropAnswerRule[] };
  const r = rules[i]!;
  const left = (r.times ?? 1) - 1;
  const rest = [...rules.slice(0, i), ...(left > 0 ? [{ ...r, times: left }] : []), ...rules.slice(i + 1)];
  return { drop: true, rest };
}

/** Picks the knob fields out of a larger options object. */
export function pickKnobs(opts: Partial<SimKnobs> & Record<string, unknown>): Partial<SimKnobs> {
  const picked: Record<string, unknown> = {};
  for (const name of KNOB_NAMES) if (opts[name] !== undefined) picked[name] = opts[name];
  return validateKnobs(picked);
}
