/**
 * Whether, and when, a dataset is to leave the facility (issue #14 §2). Two ways ask for it:
 *
 * - fs2od's contract, unchanged: the `.fs2od` file (with `fs2odMetadataFile.enabled`) lists
 *   `primary` in `DeniedProviders`; `RemovingTime` is `never`, `now`, an ISO date, or a duration in
 *   `timeUntilRemoved`'s grammar counted from when s3od first noticed the denial; without it,
 *   `dataReplication.timeUntilRemoved` applies from that moment (fs2od restarted the countdown when
 *   the line was deleted: bug 21 — here the moment noticed is recorded and kept);
 * - native: `Retention:` in the metadata file (same grammar or an ISO date; counted from
 *   provisioning), else the config's `lifecycle.retention`.
 *
 * fs2od's internal states (`transfers`, `removed`) are accepted as "already under way".
 */
import type { S3odConfig } from '../config/schema.ts';
import type { MetadataDocument } from '../metadata/index.ts';
import { isMapping } from '../metadata/types.ts';
import { parseDuration } from './duration.ts';

export const RETENTION_KEY = 'Retention';

export interface ExpiryRequest {
  source: 'fs2od' | 'metadata' | 'config';
  /** What was asked, as written (recorded: a change of it re-plans the countdown). */
  spec: string;
  /** When the dataset leaves the facility; 'never' = no expiry (a cancellation if one was planned). */
  removeAt: Date | 'never';
}

export class ExpiryRequestError extends Error {
  override name = 'ExpiryRequestError';
}

/** `never` / `now` / ISO date / duration → a time, counting durations from `from`. */
function when(spec: string, from: Date, now: Date, key: string): Date | 'never' {
  if (/^\d{4}-\d{2}-\d{2}/.test(spec)) {
    const t = Date.parse(spec);
    if (Number.isNaN(t)) throw new ExpiryRequestError(`${key} "${spec}" is not a valid date`);
    return new Date(t);
  }
  if (spec === 'transfers' || spec === 'removed') return now;
  const d = parseDuration(spec);
  if (!d) throw new ExpiryRequestError(`${key} "${spec}" must be never, now, an ISO date or durations like 30d, 1y 2m`);
  if (d.kind === 'never') return 'never';
  if (d.kind === 'now') return now;
  return new Date(from.getTime() + d.ms);
}

/**
 * The request in force. `fs2od` is the `.fs2od` document (undefined when absent or not enabled);
 * `noticedAt` is when s3od first saw the fs2od denial (now, the first time).
 */
export function expiryRequest(
  config: S3odConfig,
  metadata: MetadataDocument,
  fs2od: MetadataDocument | undefined,
  times: { now: Date; provisionedAt: Date; noticedAt?: Date },
): ExpiryRequest | undefined {
  if (fs2od) {
    // fs2od keeps them in its section (`metadataFileTags.onedata`, e.g. `Onedata: {DeniedProviders: [], ...}`);
    // a file that has them at the top level is read too.
    const inSection = fs2od[config.metadataFileTags.onedata];
    const book = isMapping(inSection) ? inSection : fs2od;
    // Under the names the facility's fs2od used (its metadataFileTags; DeniedProviders, RemovingTime).
    const keys = config.fs2odExpiryKeys;
    const denied = book[keys.deniedProviders];
    if (Array.isArray(denied) && denied.includes('primary')) {
      const raw = book[keys.removingTime];
      const spec = raw === undefined || raw === null || raw === '' ? config.dataReplication.timeUntilRemoved : String(raw);
      return { source: 'fs2od', spec, removeAt: when(spec, times.noticedAt ?? times.now, times.now, keys.removingTime) };
    }
  }
  const own = Object.prototype.hasOwnProperty.call(metadata, RETENTION_KEY) ? metadata[RETENTION_KEY] : undefined;
  if (own !== undefined && own !== null) {
    if (isMapping(own) || Array.isArray(own)) throw new ExpiryRequestError(`${RETENTION_KEY} must be never, an ISO date or a duration like 90d`);
    const spec = String(own).trim();
    return { source: 'metadata', spec, removeAt: when(spec, times.provisionedAt, times.now, RETENTION_KEY) };
  }
  const spec = config.lifecycle.retention;
  if (spec === 'never') return undefined;
  return { source: 'config', spec, removeAt: when(spec, times.provisionedAt, times.now, 'lifecycle.retention') };
}

/** Whether offset `o`'s moment (`removeAt − o`) has come by `at`; an offset that is no duration never comes. */
function momentPassed(o: string, removeAt: Date, at: Date): boolean {
  const d = parseDuration(o);
  return d?.kind === 'after' && at.getTime() >= removeAt.getTime() - d.ms;
}

/**
 * The reminder offsets (`lifecycle.timeBeforeAction`) due now: an offset fires once its moment
 * `removeAt − offset` has passed, and none after the removal time — remembered per offset, so a
 * missed run does not lose a reminder and a repeated run does not send one twice.
 */
export function remindersDue(offsets: string[], removeAt: Date, now: Date, sent: string[]): string[] {
  if (now.getTime() >= removeAt.getTime()) return [];
  return offsets.filter((o) => !sent.includes(o) && momentPassed(o, removeAt, now));
}

/**
 * The offsets whose moment had already passed when the expiry was planned at `plannedAt`: recorded
 * as sent and never mailed. fs2od only fired a reminder whose moment fell between its previous run
 * and now, and not in the run that sent the deletion mail; the "expiry scheduled" mail already
 * gives the date, so a 30-day reminder for a removal in 7 days would only repeat it.
 */
export function remindersPassed(offsets: string[], removeAt: Date, plannedAt: Date): string[] {
  return offsets.filter((o) => momentPassed(o, removeAt, plannedAt));
}
