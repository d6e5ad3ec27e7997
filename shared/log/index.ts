/**
 * Structured JSON logging: one line per event, secrets redacted by construction.
 *
 * Redaction is by field name (anything that looks like a token, secret, password or key) and by
 * value (every secret registered with `registerSecret`, e.g. the Onedata token and S3 secret key
 * read at start-up), so a secret that ends up in an error message is masked too.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_FIELD = /(token|secret|password|passphrase|authorization|apikey|api_key|accesskey|credential)/i;
const REDACTED = '[REDACTED]';
const secrets = new Set<string>();

/** Remember a secret value so it is masked wherever it appears in a log line. */
export function registerSecret(value: string | undefined): void {
  // Very short values would mask ordinary words; real tokens and keys are long.
  if (value && value.length >= 8) secrets.add(value);
}

/** Mask every registered secret inside a string. */
export function redactString(text: string): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
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
