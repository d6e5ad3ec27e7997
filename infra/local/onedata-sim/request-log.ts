/** The request log behind `GET /_sim/requests`: no headers, and secret-looking body fields redacted. */
import type { SimRequestLogEntry, SimService } from './types.ts';

const SECRET_FIELD = /(token|secret|password|passphrase|apikey|accesskey|credential|authorization)/i;
/** Serialized Onedata tokens: base62 of macaroon packets, which start with a `00xx` length ("MDA..."). */
const TOKEN_TEXT = /MDA[A-Za-z0-9]{60,}/g;
export const REDACTED = '[REDACTED]';

function scrub(text: string, extraSecrets: readonly string[]): string {
  let out = text.replace(TOKEN_TEXT, REDACTED);
  for (const secret of extraSecrets) if (secret.length >= 8) out = out.split(secret).join(REDACTED);
  return out;
}

/** Copy of a body with secret-looking fields and anything that looks like a token replaced by `[REDACTED]`. */
export function redactBody(value: unknown, extraSecrets: readonly string[] = [], depth = 0): unknown {
  if (typeof value === 'string') return scrub(value, extraSecrets);
  if (depth > 20 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactBody(v, extraSecrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const secretField = SECRET_FIELD.test(k) && (typeof v === 'string' || typeof v === 'object') && v !== null;
    out[scrub(k, extraSecrets)] = secretField ? REDACTED : redactBody(v, extraSecrets, depth + 1);
  }
  return out;
}

export class RequestLog {
  #entries: SimRequestLogEntry[] = [];
  #seq = 0;

  constructor(readonly extraSecrets: readonly string[] = []) {}

  start(e: { method: string; path: string; query: URLSearchParams; body: unknown; service: SimService; providerId?: string }): SimRequestLogEntry {
    const query: Record<string, string | string[]> = {};
    for (const key of new Set(e.query.keys())) {
      const all = e.query.getAll(key).map((v) => scrub(v, this.extraSecrets));
      query[key] = all.length === 1 ? (all[0] as string) : all;
    }
    const entry: SimRequestLogEntry = {
      seq: ++this.#seq,
      method: e.method,
      path: scrub(e.path, this.extraSecrets),
      query,
      body: redactBody(e.body, this.extraSecrets),
      status: null,
      service: e.service,
      startedAt: Date.now(),
      endedAt: null,
    };
    if (e.providerId) entry.providerId = e.providerId;
    this.#entries.push(entry);
    return entry;
  }

  entries(): SimRequestLogEntry[] {
    return this.#entries.map((e) => structuredClone(e));
  }

  clear(): void {
    this.#entries = [];
  }
}
