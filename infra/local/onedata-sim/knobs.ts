/** Knob defaults and validation (used by the API, `POST /_sim/config` and the CLI). */
import type { SimKnobs } from './types.ts';

export const DEFAULT_KNOBS: Readonly<SimKnobs> = Object.freeze({
  latencyMs: 0,
  propagationDelayMs: 0,
  faultRate: 0,
  lostResponseRate: 0,
  scanDurationMs: 200,
  transferDurationMs: 200,
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
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new KnobError(`knob "${key}" must be a non-negative number`);
    }
    if (RATE_KNOBS.has(name) && value > 1) throw new KnobError(`knob "${key}" must be between 0 and 1`);
    out[name] = value;
  }
  return out;
}

/** Picks the knob fields out of a larger options object. */
export function pickKnobs(opts: Partial<SimKnobs> & Record<string, unknown>): Partial<SimKnobs> {
  const picked: Record<string, unknown> = {};
  for (const name of KNOB_NAMES) if (opts[name] !== undefined) picked[name] = opts[name];
  return validateKnobs(picked);
}
