/**
 * What `s3od access` asks Onezone for: a named access token of the service user, confined to one
 * dataset's space (docs/access.md). Pure functions: the TTL, the caveats, the token's name.
 *
 * The caveats are the 21.02 shapes (reference notes §2.5, spec `definitions/tokens/caveat_*.yaml`):
 * `time` (expiry, unix seconds), `data.readonly` (no writes), `data.path` (base64 of the canonical
 * path `/<spaceId>`: the space and everything in it), and optionally `interface: oneclient`. The
 * data caveats also make it a *data access* token: it cannot call Onezone's or Onepanel's
 * management APIs, so the compute site cannot use it to create, join or change anything.
 */
import type { Caveat } from '../../../shared/onedata/types.ts';
import { UsageError } from './io.ts';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

export const DEFAULT_TTL = '7d';
export const MIN_TTL_SECONDS = 60;
/** A year: longer-lived credentials belong to a person's own Onedata account, not to s3od. */
export const MAX_TTL_SECONDS = 365 * 86_400;

/** `90s`, `30m`, `12h`, `7d`, `2w` (or plain seconds) → seconds, within [1 min, 365 d]. */
export function parseTtl(text: string): number {
  const m = /^(\d{1,9})([smhdw]?)$/.exec(text.trim());
  if (!m) throw new UsageError(`--ttl must be a number with a unit s, m, h, d or w, e.g. 7d or 12h (got ${JSON.stringify(text)})`);
  const seconds = Number(m[1]) * UNIT_SECONDS[m[2] || 's']!;
  if (seconds < MIN_TTL_SECONDS || seconds > MAX_TTL_SECONDS) {
    throw new UsageError(`--ttl must be between 1m and 365d (got ${JSON.stringify(text)})`);
  }
  return seconds;
}

/** The `data.path` whitelist entry of a whole space: base64 of the canonical path `/<spaceId>`. */
export function spacePathEntry(spaceId: string): string {
  return Buffer.from(`/${spaceId}`, 'utf8').toString('base64');
}

export interface AccessCaveatOptions {
  spaceId: string;
  /** Unix seconds. */
  validUntil: number;
  /** Adds `interface: oneclient`: then the token works in Oneclient only, not over REST. */
  oneclientOnly?: boolean;
}

export function accessCaveats(o: AccessCaveatOptions): Caveat[] {
  return [
    { type: 'time', validUntil: o.validUntil },
    { type: 'data.readonly' },
    { type: 'data.path', whitelist: [spacePathEntry(o.spaceId)] },
    ...(o.oneclientOnly ? [{ type: 'interface', interface: 'oneclient' }] : []),
  ];
}

/** The caveats in words, for the record and the operator (no secret in them). */
export function describeCaveats(caveats: Caveat[]): string {
  return caveats
    .map((c) => {
      if (c.type === 'time') return `time < ${new Date(Number(c['validUntil']) * 1000).toISOString()}`;
      if (c.type === 'data.path') return `data.path ${(c['whitelist'] as string[]).map((e) => Buffer.from(e, 'base64').toString('utf8')).join(' ')}`;
      if (c.type === 'interface') return `interface ${String(c['interface'])}`;
      return c.type;
    })
    .join(', ');
}

const NAME_MAX = 128;

/**
 * The token's Onedata name: `s3od-access-<n>_<onedata name>`. Named tokens must be unique per
 * owner, and every `s3od access` of a dataset issues a new one, so `n` counts the dataset's grants
 * (the caller moves on to n + 1 when a name is taken). Cut to Onedata's 128 characters without
 * ending on `.`, `-` or a space, which the name rules (reference notes §C.3) forbid at the end.
 */
export function accessTokenName(onedataName: string, n: number): string {
  return `s3od-access-${n}_${onedataName}`.slice(0, NAME_MAX).replace(/[.\- ]+$/, '');
}
