/**
 * Structured JSON logging: one line per event, secrets redacted by construction.
 *
 * Redaction is by field name (anything that looks like a token, secret, password or key) and by
 * value (every secret registered with `registerSecret`, e.g. the Onedata token and S3 secret key
 * read at start-up, and the invite tokens of the datasets being worked on, held by a SecretScope),
 * so a secret that ends up in an error message is masked too.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_FIELD = /(token|secret|password|passphrase|authorization|apikey|api_key|accesskey|credential)/i;
const REDACTED = '[REDACTED]';
/** The deployment's own secrets (Onedata tokens, S3 keys), read at start-up: masked for the process's life. */
const secrets = new Set<string>();
/** Secrets of datasets being worked on (their invite tokens), with how many open scopes hold each. */
const held = new Map<string, number>();
/** Dataset secrets no scope holds any more, oldest first: still masked for a while (see SecretScope). */
const released = new Set<string>();
/** How many released dataset secrets stay masked. */
export const RELEASED_SECRETS_KEPT = 64;

/** Very short values would mask ordinary words; real tokens and keys are long. */
const maskable = (value: string | undefined): value is string => value !== undefined && value.length >= 8;

/** Remember a secret of the deployment so it is masked wherever it appears in a log line. */
export function registerSecret(value: string | undefined): void {
  if (maskable(value)) secrets.add(value);
}

/**
 * The secrets of one piece of work on a dataset (its invite token): masked from the first `hold`
 * until `close`, and after that until RELEASED_SECRETS_KEPT other secrets have been released (a
 * late line about the run, e.g. a write that settles after the run, is still masked).
 *
 * Why not register them for the process's life like the deployment's own: every log line is
 * scanned for every secret, and a long-lived container (OpenFaaS) works on thousands of datasets,
 * so each line would cost more the longer the container lives. A scope keeps the scan to the
 * datasets in progress plus a short tail.
 */
export class SecretScope {
  private readonly values = new Set<string>();
  private closed = false;

  hold(value: string | undefined): void {
    if (!maskable(value) || this.values.has(value)) return;
    if (this.closed) return release(value); // masked for a while, never held by a closed scope
    this.values.add(value);
    held.set(value, (held.get(value) ?? 0) + 1);
    released.delete(value);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const v of this.values) {
      const n = held.get(v)! - 1;
      if (n > 0) held.set(v, n);
      else {
        held.delete(v);
        release(v);
      }
    }
    this.values.clear();
  }
}

function release(value: string): void {
  released.delete(value);
  released.add(value);
  if (released.size > RELEASED_SECRETS_KEPT) released.delete(released.values().next().value!);
}

/** How many secrets each log line is scanned for (tests: a long-lived process must not grow it). */
export function maskedSecretCount(): number {
  return secrets.size + held.size + released.size;
}

/** Mask every registered secret inside a string. */
export function redactString(text: string): string {
  let out = text;
  for (const set of [secrets, held.keys(), released]) for (const s of set) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

/** Deep copy of a value with secret-looking fields and registered secret values masked. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[depth]';
  if (value instanceof Error) {
    const e: LogFields = { name: value.name, message: redactString(value.message) };
    for (const [k, v] of Object.entries(value)) e[k] = SECRET_FIELD.test(k) ? REDACTED : redact(v, depth + 1);
    return e;
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: LogFields = {};
  for (const [k, v] of Object.entries(value as LogFields)) {
    out[k] = SECRET_FIELD.test(k) && v !== null && v !== undefined && typeof v !== 'boolean' && typeof v !== 'number' ? REDACTED : redact(v, depth + 1);
  }
  return out;
}

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose lines all carry `fields` (e.g. dataset, correlation id). */
  child(fields: LogFields): Logger;
}

export type LogSink = (line: string) => void;

let sink: LogSink = (line) => process.stdout.write(line + '\n');
let minLevel: LogLevel = (process.env.S3OD_LOG_LEVEL as LogLevel) in LEVELS ? (process.env.S3OD_LOG_LEVEL as LogLevel) : 'info';

/** Redirect log output (tests capture lines to search them for secrets). Returns the previous sink. */
export function setLogSink(next: LogSink): LogSink {
  const prev = sink;
  sink = next;
  return prev;
}

export function setLogLevel(level: LogLevel): void {
  minLevel = level;
}

export function createLogger(base: LogFields = {}): Logger {
  const write = (level: LogLevel, msg: string, fields?: LogFields): void => {
    if (LEVELS[level] < LEVELS[minLevel]) return;
    const record = redact({ time: new Date().toISOString(), level, msg, ...base, ...fields });
    sink(JSON.stringify(record));
  };
  return {
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    child: (fields) => createLogger({ ...base, ...fields }),
  };
}

export const log = createLogger({ app: 's3od' });
