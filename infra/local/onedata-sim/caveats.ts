/**
 * Token caveats: shape validation on token creation and verification when a token is used. Verified:
 * `time`, `service`, `interface` and the data access caveats (`data.*` tokens only work for data APIs).
 * `ip`, `asn`, `geo.*`, `consumer` and `api` are validated for shape but always pass.
 */
import { err, fail, type ErrorJson } from './errors.ts';
import type { Caveat } from './tokens.ts';

const strings = (v: unknown): boolean => Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string');

const SHAPES: Record<string, (c: Record<string, unknown>) => boolean> = {
  time: (c) => Number.isInteger(c['validUntil']),
  ip: (c) => strings(c['whitelist']),
  asn: (c) => Array.isArray(c['whitelist']) && c['whitelist'].length > 0 && c['whitelist'].every(Number.isInteger),
  'geo.country': (c) => ['whitelist', 'blacklist'].includes(String(c['filter'])) && strings(c['list']),
  'geo.region': (c) => ['whitelist', 'blacklist'].includes(String(c['filter'])) && strings(c['list']),
  service: (c) => strings(c['whitelist']),
  consumer: (c) => strings(c['whitelist']),
  interface: (c) => ['rest', 'oneclient', 'graphsync'].includes(String(c['interface'])),
  api: (c) => strings(c['whitelist']),
  'data.readonly': () => true,
  'data.path': (c) => strings(c['whitelist']),
  'data.objectid': (c) => strings(c['whitelist']),
};

/** Validates a `caveats` array from a request body; throws `badValueCaveat {caveat}`. */
export function validateCaveats(input: unknown): Caveat[] {
  if (input === undefined) return [];
  if (!Array.isArray(input)) fail(err.badValueCaveat(input));
  return input.map((c: unknown) => {
    if (c === null || typeof c !== 'object' || Array.isArray(c)) fail(err.badValueCaveat(c));
    const record = c as Record<string, unknown>;
    const check = SHAPES[String(record['type'])];
    if (!check || !check(record)) fail(err.badValueCaveat(c));
    return { ...record, type: String(record['type']) };
  });
}

export interface CaveatContext {
  nowS: number;
  service: 'onezone' | 'oneprovider' | 'onepanel';
  providerId?: string;
  /** The call is a data-access API (file content/metadata), where `data.*` caveats are allowed. */
  dataApi: boolean;
}

function serviceAllowed(whitelist: string[], ctx: CaveatContext): boolean {
  const accepted =
    ctx.service === 'onezone'
      ? ['ozw-onezone', 'ozw-*']
      : ctx.service === 'oneprovider'
        ? ['opw-*', `opw-${ctx.providerId}`]
        : ['opp-*', `opp-${ctx.providerId}`];
  return whitelist.some((s) => accepted.includes(s));
}

/** The first caveat that does not hold in this context, as a `tokenCaveatUnverified` error; null if all hold. */
export function checkCaveats(caveats: Caveat[], ctx: CaveatContext): ErrorJson | null {
  for (const c of caveats) {
    const holds = (() => {
      switch (c.type) {
        case 'time':
          return ctx.nowS < Number(c['validUntil']);
        case 'service':
          return serviceAllowed(c['whitelist'] as string[], ctx);
        case 'interface':
          return c['interface'] === 'rest';
        case 'data.readonly':
        case 'data.path':
        case 'data.objectid':
          return ctx.dataApi;
        default:
          return true;
      }
    })();
    if (!holds) return err.tokenCaveatUnverified(c);
  }
  return null;
}

/** Only caveats that make sense for invite tokens matter when a token is consumed (time, mainly). */
export function checkInviteCaveats(caveats: Caveat[], nowS: number): ErrorJson | null {
  const timeCaveats = caveats.filter((c) => c.type === 'time');
  return checkCaveats(timeCaveats, { nowS, service: 'onezone', dataApi: false });
}
