/**
 * Embargo before publication (issue #15 §2): until a date, the dataset's space, group and invite
 * token exist (its people work with the data) but no public share does. Asked for by
 *
 * ```yaml
 * Embargo: 2027-06-30          # an ISO date (UTC midnight) or date-time
 * Embargo: 1y                  # or a duration counted from when s3od first saw the dataset
 * Embargo: none                # or none / false: no embargo, whatever the config's default
 * ```
 *
 * in the metadata file, else the config's `lifecycle.embargo` (same grammar, `none` by default).
 * The dataset's record keeps the date in force (`outputs.embargoedUntil`); the share is created by
 * the first run (an event, the lifecycle pass) that finds the date passed in the file as it is then.
 */
import type { S3odConfig } from '../config/schema.ts';
import type { MetadataDocument } from '../metadata/index.ts';
import { DURATION_HINT, parseDuration } from './duration.ts';

export const EMBARGO_KEY = 'Embargo';

export interface Embargo {
  /** No public share before this moment. */
  until: Date;
  /** What was asked, as written. */
  spec: string;
  source: 'metadata' | 'config';
}

export class EmbargoRequestError extends Error {
  override name = 'EmbargoRequestError';
}

const NONE = new Set(['none', 'false', 'no']);

/** A spec (date, date-time, duration or none) → the end of the embargo, or undefined for none. Throws EmbargoRequestError. */
export function embargoEnd(spec: string, from: Date, key: string): Date | undefined {
  const t = spec.trim();
  if (NONE.has(t.toLowerCase())) return undefined;
  // "never" reads both ways ("never embargoed", "never published"); a wrong guess publishes data
  // that was to stay private, so it is refused with the two words that are not ambiguous.
  if (t.toLowerCase() === 'never') {
    throw new EmbargoRequestError(
      `${key} "${t}" is ambiguous: write "none" for no embargo, or a date (e.g. 2099-12-31) to keep the dataset private until then`,
    );
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return checked(Date.parse(`${t}T00:00:00Z`), t, key, t);
  if (/^\d{4}-\d{2}-\d{2}[T ]/.test(t)) {
    // A date-time without a zone is read as UTC (the bucket's readers are in many time zones).
    const iso = t.replace(' ', 'T');
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/.test(iso);
    return checked(Date.parse(zoned ? iso : `${iso}Z`), t, key, zoned ? undefined : t.slice(0, 10));
  }
  const d = parseDuration(t);
  if (!d || d.kind === 'never') {
    throw new EmbargoRequestError(`${key} "${t}" must be a date (2027-06-30), a date-time, "none", or ${DURATION_HINT.replace(/^must be /, '')}`);
  }
  return new Date(from.getTime() + (d.kind === 'now' ? 0 : d.ms));
}

/** `day`: the calendar day the spec names in UTC (V8 reads 2027-02-30 as 2 March: that is refused). */
function checked(ms: number, spec: string, key: string, day?: string): Date {
  if (Number.isNaN(ms) || (day !== undefined && new Date(ms).toISOString().slice(0, 10) !== day)) {
    throw new EmbargoRequestError(`${key} "${spec}" is not a valid date`);
  }
  return new Date(ms);
}

/**
 * The embargo in force for a dataset: the file's `Embargo` key wins over the config's default.
 * `firstSeen` is when s3od first saw the dataset (durations count from it). Undefined: none asked.
 */
export function embargoRequest(config: S3odConfig, doc: MetadataDocument, firstSeen: Date): Embargo | undefined {
  const raw = Object.prototype.hasOwnProperty.call(doc, EMBARGO_KEY) ? doc[EMBARGO_KEY] : undefined;
  if (raw === undefined || raw === null) {
    const until = embargoEnd(config.lifecycle.embargo, firstSeen, 'lifecycle.embargo');
    return until ? { until, spec: config.lifecycle.embargo, source: 'config' } : undefined;
  }
  if (raw === false) return undefined;
  if (typeof raw !== 'string' && typeof raw !== 'number') {
    throw new EmbargoRequestError(`${EMBARGO_KEY} must be a date (2027-06-30), a date-time, a duration like "1y", or none`);
  }
  const spec = String(raw);
  const until = embargoEnd(spec, firstSeen, EMBARGO_KEY);
  return until ? { until, spec, source: 'metadata' } : undefined;
}

/** What our section says in place of the public URL while the embargo lasts. */
export function embargoNotice(until: string | Date): string {
  const iso = (typeof until === 'string' ? new Date(until) : until).toISOString();
  return `embargoed until ${iso.endsWith('T00:00:00.000Z') ? iso.slice(0, 10) : iso.replace('.000Z', 'Z')}`;
}
