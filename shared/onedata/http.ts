import { AxiosError, type AxiosInstance } from 'axios';
import { jsonApiAxios } from '../http/json-api-axios.ts';
import type { Logger } from '../log/index.ts';
import { Semaphore, parseRetryAfter, withRetry } from '../retry/index.ts';
import { OnedataError, idForStatus, isTransient, parseErrorEnvelope } from './errors.ts';
import type { OnedataService } from './types.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ServiceHttpConfig {
  service: OnedataService;
  /** Scheme + host (+ port), e.g. `https://zone.example.org`. */
  baseUrl: string;
  /** e.g. `/api/v3/onezone`. */
  basePath: string;
  token: string;
  timeoutMs: number;
  retry: { retries: number; baseDelayMs: number; maxDelayMs: number };
  concurrency: number;
  logger: Logger;
}

export type QueryValue = string | number | boolean | undefined | ReadonlyArray<string | number | boolean>;

export interface RequestOptions {
  method: HttpMethod;
  /** Path below the service base, with parameters already encoded (use `urlPath`). */
  path: string;
  /** Repeated keys for arrays (`?a=1&a=2`), which is what the Onedata servers expect. Never put secrets here. */
  query?: Record<string, QueryValue>;
  /** Sent as JSON; `undefined` means no body. */
  body?: unknown;
  /** Send the auth token. @default true (false for the public `/configuration` endpoints) */
  auth?: boolean;
  /** Extra secret values in this request (e.g. a support token in the body) to mask in errors. */
  secrets?: readonly string[];
  /** Retry transient failures. @default true */
  retry?: boolean;
  /** `low`: wait behind every normal request for a concurrency slot (polls). @default normal */
  priority?: 'normal' | 'low';
  /** Non-2xx statuses returned to the caller instead of thrown (e.g. Onepanel's per-storage 400 map). */
  acceptStatuses?: readonly number[];
}

export interface HttpResponse<T = unknown> {
  status: number;
  /** Parsed JSON body, the raw text if it is not JSON, or `undefined` when empty. */
  data: T;
  /** The `Location` header, if any. */
  location: string | undefined;
}

/** Builds a path from a template, percent-encoding every parameter: urlPath`/spaces/${id}`. */
export function urlPath(strings: TemplateStringsArray, ...params: Array<string | number>): string {
  let out = strings[0] ?? '';
  params.forEach((p, i) => {
    const value = String(p);
    if (value === '') throw new TypeError(`Empty path parameter in ${strings.join('{}')}`);
    out += encodeURIComponent(value) + (strings[i + 1] ?? '');
  });
  return out;
}

/**
 * The id of a created resource from a `Location` header: its last path segment. Onezone and
 * Oneprovider send a full URL, Onepanel a path; a query string, fragment or trailing slash is ignored.
 */
export function idFromLocation(location: string | undefined | null): string | undefined {
  if (!location) return undefined;
  const withoutSuffix = location.split(/[?#]/, 1)[0] ?? '';
  const segments = withoutSuffix.split('/').filter((s) => s !== '');
  const last = segments[segments.length - 1];
  if (last === undefined || /^[a-z][a-z0-9+.-]*:$/i.test(last)) return undefined;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

function buildQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value as ReadonlyArray<string | number | boolean>) params.append(key, String(v));
    else params.append(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

function parseBody(text: unknown): unknown {
  if (typeof text !== 'string') return text;
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

/**
 * HTTP access to one Onedata service: one axios instance with base path, auth header and timeout,
 * a FIFO concurrency limit, and retries of transient failures via shared/retry. Every failure
 * becomes an `OnedataError`; no axios error or request config (which holds the token) escapes.
 */
export class ServiceHttp {
  readonly service: OnedataService;
  readonly #axios: AxiosInstance;
  readonly #cfg: ServiceHttpConfig;
  readonly #limit: Semaphore;

  constructor(cfg: ServiceHttpConfig) {
    this.service = cfg.service;
    this.#cfg = cfg;
    this.#limit = new Semaphore(cfg.concurrency);
    this.#axios = jsonApiAxios({ baseURL: cfg.baseUrl.replace(/\/+$/, '') + cfg.basePath, timeoutMs: cfg.timeoutMs });
  }

  /** Sends a request; resolves for 2xx (and `acceptStatuses`), throws `OnedataError` otherwise. */
  async request<T = unknown>(opts: RequestOptions): Promise<HttpResponse<T>> {
    const attemptOnce = (attempt: number) => this.#limit.run(() => this.#send<T>(opts, attempt), opts.priority ?? 'normal');
    if (opts.retry === false) return attemptOnce(1);
    const { retries, baseDelayMs, maxDelayMs } = this.#cfg.retry;
    return withRetry(attemptOnce, {
      retries,
      baseDelayMs,
      maxDelayMs,
      isRetryable: isTransient,
      onRetry: (err, attempt, delayMs) => {
        const e = err as OnedataError;
        this.#cfg.logger.warn('onedata request failed, retrying', {
          service: this.service,
          method: opts.method,
          path: opts.path,
          status: e.status,
          errorId: e.id,
          attempt,
          delayMs,
        });
      },
    });
  }

  async #send<T>(opts: RequestOptions, attempt: number): Promise<HttpResponse<T>> {
    const secrets = [this.#cfg.token, ...(opts.secrets ?? [])];
    const headers: Record<string, string> = {};
    if (opts.auth !== false) headers['X-Auth-Token'] = this.#cfg.token;
    let data: string | undefined;
    if (opts.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      data = JSON.stringify(opts.body);
    }
    const started = Date.now();
    let response;
    try {
      response = await this.#axios.request<string>({
        method: opts.method,
        url: opts.path + buildQuery(opts.query),
        headers,
        data,
      });
    } catch (err) {
      throw this.#networkError(err, opts, secrets);
    }
    const status = response.status;
    const body = parseBody(response.data);
    const location = response.headers['location'];
    this.#cfg.logger.debug('onedata request', {
      service: this.service,
      method: opts.method,
      path: opts.path,
      status,
      attempt,
      durationMs: Date.now() - started,
    });
    if ((status >= 200 && status < 300) || opts.acceptStatuses?.includes(status)) {
      return { status, data: body as T, location: typeof location === 'string' ? location : undefined };
    }
    const envelope = parseErrorEnvelope(body);
    const retryAfter = response.headers['retry-after'];
    throw new OnedataError({
      service: this.service,
      method: opts.method,
      path: opts.path,
      status,
      id: envelope?.id ?? idForStatus(status),
      description: envelope?.description ?? (typeof body === 'string' ? body.slice(0, 300) : `HTTP ${status}`),
      ...(envelope?.details ? { details: envelope.details } : {}),
      ...(envelope?.wrapper ? { wrapper: envelope.wrapper } : {}),
      ...(typeof retryAfter === 'string' ? { retryAfterMs: parseRetryAfter(retryAfter) } : {}),
      secrets,
    });
  }

  #networkError(err: unknown, opts: RequestOptions, secrets: readonly string[]): OnedataError {
    const code = err instanceof AxiosError || (err instanceof Error && 'code' in err) ? String((err as { code?: unknown }).code ?? '') : '';
    const message = err instanceof Error ? err.message : String(err);
    const isTimeout = TIMEOUT_CODES.has(code) || /timeout/i.test(message);
    // Keep only code and message: the axios error carries the request config, headers included.
    const cause = new Error(`${code || 'network error'}: ${message}`);
    return new OnedataError({
      service: this.service,
      method: opts.method,
      path: opts.path,
      status: 0,
      id: isTimeout ? 'timeout' : 'connectionError',
      description: isTimeout ? `no response within ${this.#cfg.timeoutMs} ms (${code || message})` : `${code || 'network error'}: ${message}`,
      details: { code: code || (/socket hang up/i.test(message) ? 'ECONNRESET' : 'UNKNOWN') },
      secrets,
      cause,
    });
  }
}

/** The id of a created resource: `body[key]` when present, else the last segment of `Location`. */
export function createdId(service: OnedataService, method: HttpMethod, path: string, res: HttpResponse<unknown>, key?: string): string {
  if (key && res.data && typeof res.data === 'object') {
    const v = (res.data as Record<string, unknown>)[key];
    if (typeof v === 'string' && v !== '') return v;
  }
  const fromLocation = idFromLocation(res.location);
  if (fromLocation) return fromLocation;
  throw new OnedataError({
    service,
    method,
    path,
    status: res.status,
    id: 'unexpectedResponse',
    description: `created, but neither the body${key ? ` field "${key}"` : ''} nor a Location header gives the new id`,
  });
}
