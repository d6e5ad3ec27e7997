import { redactString } from '../log/index.ts';
import type { OnedataErrorBody, OnedataService } from './types.ts';

export { ERROR_ON_NODES, parseErrorEnvelope, type ParsedErrorEnvelope } from './error-envelope.ts';

/** Error ids that mean "try again later" (all map to 503 on the servers). */
const TRANSIENT_IDS = new Set(['serviceUnavailable', 'temporaryFailure', 'timeout', 'noConnectionToOnezone', 'connectionError']);

/** Node/axios network error codes worth retrying. TLS or DNS-name errors are left out: they do not heal by waiting. */
const TRANSIENT_NET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/** Error ids whose request will fail the same way however often it is sent. */
const PERMANENT_IDS = new Set([
  'unauthorized',
  'forbidden',
  'badToken',
  'tokenInvalid',
  'tokenRevoked',
  'missingRequiredValue',
  'missingAtLeastOneValue',
  'badData',
  'malformedData',
  'tokenTimeCaveatRequired',
  'notAnInviteToken',
  'invalidQosExpression',
  'requiresImportedStorage',
  'requiresReadonlyStorage',
  'requiresNonImportedStorage',
  'requiresAutoStorageImportMode',
  'storageImportNotSupported',
  'autoStorageImportNotSupported',
  'storageTestFailed',
  'cannotRemoveLastOwner',
  'notSupported',
]);

/** Ids meaning "the thing already exists / the relation is already there". Neither transient nor permanent: an outcome. */
const CONFLICT_IDS = new Set(['alreadyExists', 'relationAlreadyExists', 'badValueIdentifierOccupied', 'spaceAlreadySupportedWithImportedStorage']);

export interface OnedataErrorInit {
  service: OnedataService;
  method: string;
  /** Request path relative to the service base, without the query string. */
  path: string;
  /** HTTP status; 0 when no response arrived. */
  status: number;
  /** The error's identity: for a wrapped answer (`errorOnNodes`), the inner error's id. */
  id: string;
  description: string;
  details?: Record<string, unknown>;
  /** Onepanel's wrapper around the error (`errorOnNodes`), if any; see `parseErrorEnvelope`. */
  wrapper?: { id: string; description: string; hostnames: string[] };
  /** Onepanel `POST /provider/storages`: the per-storage results (`{id}` or `{error}`) by storage name. */
  storageErrors?: Record<string, { id?: string; error?: OnedataErrorBody }>;
  /** Server-requested delay from a `Retry-After` header. */
  retryAfterMs?: number;
  /** Values (tokens, keys) to mask in the message and details on top of the registered secrets. */
  secrets?: readonly string[];
  cause?: unknown;
}

function mask(text: string, secrets: readonly string[]): string {
  let out = redactString(text);
  for (const s of secrets) if (s && s.length >= 4 && out.includes(s)) out = out.split(s).join('[REDACTED]');
  return out;
}

function maskDeep<T>(value: T, secrets: readonly string[], depth = 0): T {
  if (typeof value === 'string') return mask(value, secrets) as T;
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, secrets, depth + 1)) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = maskDeep(v, secrets, depth + 1);
  return out as T;
}

/**
 * Any failure of a call to Onezone, Oneprovider or Onepanel: an error answer (`status` ≥ 300 with
 * the Onedata `id`), or no answer at all (`status` 0, id `connectionError` or `timeout`).
 * Safe to log: it never holds request headers, the query string or a token.
 */
export class OnedataError extends Error {
  override readonly name = 'OnedataError';
  readonly service: OnedataService;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /**
   * Stable Onedata error id, e.g. `alreadyExists`, `badValueName`, `posix`. When Onepanel wrapped
   * the error in `errorOnNodes`, this is the inner id (what went wrong), as are `description` and
   * `details`; the wrapper is in `wrappedIn` and `hostnames`.
   */
  readonly id: string;
  readonly description: string;
  readonly details: Record<string, unknown> | undefined;
  /** `errorOnNodes` when Onepanel wrapped the error; undefined for a bare error. */
  readonly wrappedIn: string | undefined;
  /** The Onepanel cluster nodes the wrapped error happened on (empty for a bare error). */
  readonly hostnames: readonly string[];
  readonly storageErrors: Record<string, { id?: string; error?: OnedataErrorBody }> | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(init: OnedataErrorInit) {
    const secrets = init.secrets ?? [];
    const description = mask(init.description, secrets);
    const path = mask(init.path, secrets);
    const wrapped = init.wrapper ? ` (${init.wrapper.id}${init.wrapper.hostnames.length ? ` on ${init.wrapper.hostnames.join(', ')}` : ''})` : '';
    super(
      mask(`${init.service} ${init.method.toUpperCase()} ${path} → ${init.status || 'no response'} ${init.id}${wrapped}: ${description}`, secrets),
      init.cause === undefined ? undefined : { cause: init.cause },
    );
    this.service = init.service;
    this.method = init.method.toUpperCase();
    this.path = path;
    this.status = init.status;
    this.id = init.id;
    this.description = description;
    this.details = init.details === undefined ? undefined : maskDeep(init.details, secrets);
    this.wrappedIn = init.wrapper?.id;
    this.hostnames = init.wrapper ? maskDeep([...init.wrapper.hostnames], secrets) : [];
    this.storageErrors = init.storageErrors === undefined ? undefined : maskDeep(init.storageErrors, secrets);
    this.retryAfterMs = init.retryAfterMs;
  }

  /** `details.errno` of a `posix` error, e.g. `enoent`. */
  get errno(): string | undefined {
    const errno = this.details?.['errno'];
    return typeof errno === 'string' ? errno : undefined;
  }

  /** `details.key` (the offending field) of validation errors. */
  get key(): string | undefined {
    const key = this.details?.['key'];
    return typeof key === 'string' ? key : undefined;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      service: this.service,
      method: this.method,
      path: this.path,
      status: this.status,
      id: this.id,
      description: this.description,
      details: this.details,
      ...(this.wrappedIn ? { wrappedIn: this.wrappedIn, hostnames: this.hostnames } : {}),
      storageErrors: this.storageErrors,
    };
  }
}

/**
 * A request the client refused to send because it would certainly fail (bad name, impossible
 * storage configuration, malformed argument). `id` uses the server's id for the same problem.
 */
export class OnedataValidationError extends Error {
  override readonly name: string = 'OnedataValidationError';
  readonly id: string;
  /** The offending field. */
  readonly key: string | undefined;

  constructor(id: string, message: string, key?: string) {
    super(message);
    this.id = id;
    this.key = key;
  }
}

/** A name that breaks the Onedata 21.02 name rules and cannot be cleaned into a valid one. */
export class InvalidNameError extends OnedataValidationError {
  override readonly name = 'InvalidNameError';
  /** The name as given. */
  readonly input: string;
  /** The cleaned candidate that still failed, if cleaning was attempted. */
  readonly candidate: string | undefined;
  readonly reason: string;

  constructor(input: string, reason: string, candidate?: string) {
    super('badValueName', `Invalid Onedata name ${JSON.stringify(input)}: ${reason}`, 'name');
    this.input = input;
    this.reason = reason;
    this.candidate = candidate;
  }
}

/** A storage spec that Onepanel would reject (checked before the call). `id` is the server's error id. */
export class InvalidStorageSpecError extends OnedataValidationError {
  override readonly name = 'InvalidStorageSpecError';
  readonly storageName: string;

  constructor(id: string, storageName: string, message: string, key?: string) {
    super(id, `Storage ${JSON.stringify(storageName)}: ${message}`, key);
    this.storageName = storageName;
  }
}

export function isOnedataError(err: unknown): err is OnedataError {
  return err instanceof OnedataError;
}

/** True when `err` is an `OnedataError` whose id is one of `ids`. */
export function hasErrorId(err: unknown, ...ids: string[]): err is OnedataError {
  return err instanceof OnedataError && ids.includes(err.id);
}

/** True for `400 posix` with the given errno (e.g. `enoent`): how Oneprovider says "file not found". */
export function isPosixError(err: unknown, errno?: string): err is OnedataError {
  return err instanceof OnedataError && err.id === 'posix' && (errno === undefined || err.errno === errno);
}

/** True for 404 / `notFound`. */
export function isNotFound(err: unknown): err is OnedataError {
  return err instanceof OnedataError && (err.status === 404 || err.id === 'notFound');
}

/** The resource or relation already exists: a create retried after a lost response, or a second create. */
export function isConflict(err: unknown): err is OnedataError {
  return err instanceof OnedataError && CONFLICT_IDS.has(err.id);
}

/**
 * Worth retrying as is: 503 and its ids (`serviceUnavailable`, `temporaryFailure`, `timeout`,
 * `noConnectionToOnezone`), 502/504 from a proxy, 429, and network failures (reset, refused,
 * aborted, timed out, socket hang up). Onepanel's `errorOnNodes` is judged by its inner error,
 * which is the error's id (see `parseErrorEnvelope`).
 */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof OnedataError)) return false;
  if (err.status === 0) {
    if (err.id === 'timeout') return true;
    const code = err.details?.['code'];
    return typeof code === 'string' && TRANSIENT_NET_CODES.has(code);
  }
  if (err.status === 503 || err.status === 502 || err.status === 504 || err.status === 429) return true;
  return TRANSIENT_IDS.has(err.id);
}

/**
 * Retrying cannot help: authentication/authorization failures, every `badValue*` and missing-value
 * validation error, unusable storage configurations, and local validation errors.
 * `forbidden` is permanent for a single request, but right after a membership change Oneprovider
 * may answer it for a while (eventual consistency); polling helpers treat it as "not yet".
 */
export function isPermanent(err: unknown): boolean {
  if (err instanceof OnedataValidationError) return true;
  if (!(err instanceof OnedataError)) return false;
  if (isTransient(err)) return false;
  return PERMANENT_IDS.has(err.id) || (err.id.startsWith('badValue') && !CONFLICT_IDS.has(err.id)) || err.status === 401;
}

/** Fallback id when a non-2xx answer has no Onedata envelope (e.g. a proxy's HTML 502). */
export function idForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'badRequest';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'notFound';
    case 409:
      return 'conflict';
    case 429:
      return 'tooManyRequests';
    case 500:
      return 'internalServerError';
    case 502:
    case 503:
    case 504:
      return 'serviceUnavailable';
    default:
      return `http${status}`;
  }
}
