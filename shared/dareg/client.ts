/**
 * The HTTP client of DAREG, the dataset register (docs/dareg.md; fs2od reference §1.13): JSON
 * with `Authorization: Token <token>`, one axios instance with a timeout, no redirects (they
 * would carry the token elsewhere). Every failure becomes a DaregError naming the call, the
 * status and DAREG's answer, redacted; no axios error (its config holds the token) escapes.
 */
import type { AxiosInstance } from 'axios';
import { jsonApiAxios } from '../http/json-api-axios.ts';
import { redactString } from '../log/index.ts';

export interface DaregClientConfig {
  /** The register's API URL with its scheme, no trailing slash (shared/config `dareg.host`). */
  host: string;
  token: string;
  timeoutMs: number;
}

/** `POST {host}/datasets/`: the dataset as registered once its space exists. */
export interface DaregDatasetBody {
  origin_instance: string;
  name: string;
  path: string;
  space_id: string;
  invite_token: string | null;
  public_URL: string | null;
}

/** `PATCH {host}/datasets/{spaceId}/`: the access information once the invite token and share exist. */
export interface DaregAccessBody {
  invite_token: string | null;
  public_URL: string | null;
}

/** `POST {host}/logs/`: one entry of the dataset's log in the register. */
export interface DaregLogBody {
  dataset: string;
  type: 'info' | 'error';
  message: string;
}

/** Network errors that mean the request never reached the register's application. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export class DaregError extends Error {
  override readonly name = 'DaregError';
  constructor(
    readonly method: string,
    readonly path: string,
    /** The HTTP status; 0 when no answer came (connection refused, timeout, reset). */
    readonly status: number,
    /** The network error code when there was no answer (ECONNREFUSED, ETIMEDOUT, …). */
    readonly code: string | undefined,
    detail: string,
  ) {
    super(redactString(`DAREG ${method} ${path}: ${status ? `HTTP ${status}` : (code ?? 'no answer')}${detail ? ` ${detail}` : ''}`).slice(0, 400));
  }

  /** The request surely did not reach the register (refused, no such host, 429, 503): safe to send again even when it creates something. */
  get notDelivered(): boolean {
    return this.status === 0 ? NOT_SENT_CODES.has(this.code ?? '') : this.status === 429 || this.status === 503;
  }

  /** Worth another try at once: no answer, 429, or a 5xx. A 4xx (a wrong token, a refused body) waits for a later run. */
  get transient(): boolean {
    return this.status === 0 || this.status === 429 || this.status >= 500;
  }
}

export class DaregClient {
  readonly #axios: AxiosInstance;
  readonly #host: string;

  constructor(cfg: DaregClientConfig) {
    this.#host = cfg.host.replace(/\/+$/, '');
    this.#axios = jsonApiAxios({ timeoutMs: cfg.timeoutMs, headers: { Authorization: `Token ${cfg.token}` } });
  }

  /** The URLs the register uses as references between its objects. */
  datasetUrl(spaceId: string): string {
    return `${this.#host}/datasets/${encodeURIComponent(spaceId)}/`;
  }

  instanceUrl(pk: number): string {
    return `${this.#host}/instances/${pk}/`;
  }

  /** The registered dataset of a space, or undefined when the register does not know it (404). */
  async getDataset(spaceId: string): Promise<unknown> {
    const res = await this.#send('GET', `/datasets/${encodeURIComponent(spaceId)}/`, undefined, [404]);
    return res.status === 404 ? undefined : (res.body ?? {});
  }

  async createDataset(body: DaregDatasetBody): Promise<void> {
    await this.#send('POST', '/datasets/', body);
  }

  async updateAccess(spaceId: string, body: DaregAccessBody): Promise<void> {
    await this.#send('PATCH', `/datasets/${encodeURIComponent(spaceId)}/`, body);
  }

  async addLog(body: DaregLogBody): Promise<void> {
    await this.#send('POST', '/logs/', body);
  }

  /** `GET {host}`: the "is it up" check (fs2od's connection test); resolves with the status. */
  async ping(): Promise<number> {
    const res = await this.#send('GET', '', undefined, [301, 302, 303, 307, 308]);
    return res.status;
  }

  async #send(method: 'GET' | 'POST' | 'PATCH', path: string, body?: unknown, accept: number[] = []): Promise<{ status: number; body: unknown }> {
    let res;
    try {
      res = await this.#axios.request<string>({
        method,
        url: `${this.#host}${path}`,
        ...(body === undefined ? {} : { data: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
      });
    } catch (e) {
      // Only the code and message: the axios error carries the request config, the token included.
      const err = e as { code?: string; message?: string };
      throw new DaregError(method, path || '/', 0, err.code ?? 'ERROR', err.message ?? '');
    }
    if ((res.status >= 200 && res.status < 300) || accept.includes(res.status)) return { status: res.status, body: parseJson(res.data) };
    throw new DaregError(method, path || '/', res.status, undefined, typeof res.data === 'string' ? res.data.replace(/\s+/g, ' ').slice(0, 200) : '');
  }
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
