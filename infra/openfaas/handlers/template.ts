import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerSecret } from '../../../shared/log/index.ts';

/**
 * The OpenFaaS `node20` template contract (openfaas/templates template/node20/index.js): the
 * function module exports `handler(event, context)`; `event = {body, headers, method, query,
 * path}`; `context.status(code).headers(map).succeed(value) | .fail(error)`, or the handler's
 * returned value is sent. Express routes HEAD through GET, so probes run the handler.
 * Two quirks the adapters guard against:
 * - `fail()` and a thrown error answer with `context.status()`, which is **200** unless set;
 * - with RAW_BODY=true (stack.yml) the body is a Buffer, or `{}` when the request had none;
 *   without it, JSON bodies arrive parsed and text bodies as strings.
 */
export interface OpenFaasEvent {
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
  method: string;
  query: Record<string, unknown>;
  path: string;
}

export interface OpenFaasContext {
  status(code?: number): unknown;
  headers(values?: Record<string, string>): unknown;
  succeed(value?: unknown): void;
  fail(value?: unknown): void;
}

export type OpenFaasHandler = (event: OpenFaasEvent, context: OpenFaasContext) => Promise<unknown>;

/** Sends an answer through the template's context (status first: the template defaults to 200). */
export function reply(context: OpenFaasContext, status: number, body: unknown, headers: Record<string, string> = {}): void {
  context.status(status);
  const isJson = body !== null && typeof body === 'object' && !Buffer.isBuffer(body);
  context.headers({ ...(isJson ? { 'content-type': 'application/json' } : {}), ...headers });
  // Objects are JSON-serialised by the template itself.
  context.succeed(body ?? '');
}

/** The request body as text, whatever the template's body parsing made of it. */
export function bodyText(body: unknown): string {
  if (body === undefined || body === null) return '';
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  if (typeof body === 'string') return body;
  // RAW_BODY=true gives {} for an empty request; a parsed JSON body is re-serialised.
  if (typeof body === 'object' && Object.keys(body as object).length === 0 && !Array.isArray(body)) return '';
  return JSON.stringify(body);
}

/** Lower-cased single-valued headers. */
export function normalizeHeaders(headers: OpenFaasEvent['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

/**
 * OpenFaaS mounts secrets as files (`/var/openfaas/secrets/<name>`), while s3od reads them from the
 * environment (shared/config loadSecrets). Copies each known secret file into its variable, unless
 * the variable is already set, and registers the value for log redaction. Runs once per container.
 */
export const SECRET_FILES: Record<string, string> = {
  's3od-onezone-token': 'S3OD_ONEZONE_TOKEN',
  's3od-oneprovider-token': 'S3OD_ONEPROVIDER_TOKEN',
  's3od-storage-access-key': 'S3OD_STORAGE_ACCESS_KEY',
  's3od-storage-secret-key': 'S3OD_STORAGE_SECRET_KEY',
  's3od-webhook-token': 'S3OD_WEBHOOK_TOKEN',
  // Only while a token is rotated (docs/operations.md): the one being retired, still accepted.
  's3od-webhook-token-previous': 'S3OD_WEBHOOK_TOKEN_PREVIOUS',
  's3od-jobs-token': 'S3OD_JOBS_TOKEN',
  's3od-jobs-token-previous': 'S3OD_JOBS_TOKEN_PREVIOUS',
  's3od-smtp-password': 'S3OD_SMTP_PASSWORD',
  's3od-dareg-token': 'S3OD_DAREG_TOKEN',
};

export function loadSecretFiles(env: NodeJS.ProcessEnv = process.env, dir = env.S3OD_SECRETS_DIR || '/var/openfaas/secrets'): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const loaded: string[] = [];
  for (const name of names) {
    const variable = SECRET_FILES[name];
    if (!variable || env[variable]) continue;
    const value = readFileSync(join(dir, name), 'utf8').replace(/\r?\n$/, '');
    if (!value) continue;
    registerSecret(value);
    env[variable] = value;
    loaded.push(variable);
  }
  return loaded;
}

/** Go duration as the watchdog reads `exec_timeout` ("180s", "2m", "1m30s", "1500ms"). */
export function parseGoDuration(text: string | undefined, fallbackMs: number): number {
  if (!text) return fallbackMs;
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
  let total = 0;
  let matched = '';
  for (const m of text.matchAll(re)) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3_600_000 : m[2] === 'm' ? n * 60_000 : m[2] === 's' ? n * 1000 : n;
    matched += m[0];
  }
  return matched === text.trim() && total > 0 ? total : fallbackMs;
}
