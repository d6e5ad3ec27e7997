/**
 * Typed client for the Onedata 21.02 REST APIs (Onezone, Oneprovider, Onepanel) used to provision
 * datasets. See docs/onedata.md.
 */
import { createLogger, registerSecret, type Logger } from '../log/index.ts';
import { ServiceHttp } from './http.ts';
import { OnepanelApi } from './onepanel.ts';
import { OneproviderApi } from './oneprovider.ts';
import { OnezoneApi } from './onezone.ts';

export interface OnedataClientConfig {
  /** Scheme + host of Onezone, e.g. `https://zone.example.org`; `/api/v3/onezone` is appended. */
  onezoneUrl: string;
  /** Scheme + host of the primary Oneprovider; `/api/v3/oneprovider` and `/api/v3/onepanel` go under it. */
  oneproviderUrl: string;
  /** Onepanel base when not proxied by op-worker (e.g. `https://provider:9443`). @default oneproviderUrl */
  onepanelUrl?: string;
  onezoneToken: string;
  /** Token for Oneprovider and Onepanel; must grant Onepanel access. @default onezoneToken */
  providerToken?: string;
  /** Per-request timeout in ms. @default 30000 */
  timeoutMs?: number;
  /** Retries of transient failures per request. @default { retries: 4, baseDelayMs: 500, maxDelayMs: 10000 } */
  retry?: { retries?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Max parallel requests per service. @default 8 */
  concurrency?: number;
  logger?: Logger;
}

export interface OnedataClient {
  zone: OnezoneApi;
  provider: OneproviderApi;
  panel: OnepanelApi;
}

export const ONEDATA_DEFAULTS = {
  timeoutMs: 30_000,
  retries: 4,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
  concurrency: 8,
} as const;

function requireUrl(name: string, value: string | undefined): string {
  if (!value) throw new TypeError(`OnedataClientConfig.${name} is required`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`OnedataClientConfig.${name} must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`OnedataClientConfig.${name} must use http or https`);
  if (url.search || url.username || url.password) throw new TypeError(`OnedataClientConfig.${name} must not carry a query or credentials`);
  return value.replace(/\/+$/, '');
}

function positiveInt(name: string, value: number | undefined, fallback: number, min = 1): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < min) throw new TypeError(`OnedataClientConfig.${name} must be an integer ≥ ${min}, got ${v}`);
  return v;
}

/** One Oneprovider and its Onepanel. */
export interface ProviderApis {
  /** Scheme + host as configured, without a trailing slash. */
  url: string;
  provider: OneproviderApi;
  panel: OnepanelApi;
}

type CommonHttp = Omit<ConstructorParameters<typeof ServiceHttp>[0], 'service' | 'baseUrl' | 'basePath' | 'token'>;

function commonHttp(cfg: OnedataClientConfig): CommonHttp {
  const logger = cfg.logger ?? createLogger({ app: 's3od', component: 'onedata' });
  return {
    timeoutMs: positiveInt('timeoutMs', cfg.timeoutMs, ONEDATA_DEFAULTS.timeoutMs),
    retry: {
      retries: positiveInt('retry.retries', cfg.retry?.retries, ONEDATA_DEFAULTS.retries, 0),
      baseDelayMs: positiveInt('retry.baseDelayMs', cfg.retry?.baseDelayMs, ONEDATA_DEFAULTS.baseDelayMs, 0),
      maxDelayMs: positiveInt('retry.maxDelayMs', cfg.retry?.maxDelayMs, ONEDATA_DEFAULTS.maxDelayMs, 0),
    },
    concurrency: positiveInt('concurrency', cfg.concurrency, ONEDATA_DEFAULTS.concurrency),
    logger,
  };
}

function providerApis(common: CommonHttp, url: string, onepanelUrl: string, token: string): ProviderApis {
  return {
    url,
    provider: new OneproviderApi(new ServiceHttp({ ...common, service: 'oneprovider', baseUrl: url, basePath: '/api/v3/oneprovider', token })),
    panel: new OnepanelApi(new ServiceHttp({ ...common, service: 'onepanel', baseUrl: onepanelUrl, basePath: '/api/v3/onepanel', token })),
  };
}

/** Builds the three service clients. Tokens are registered with the logger's redaction. */
export function createOnedataClient(cfg: OnedataClientConfig): OnedataClient {
  if (!cfg.onezoneToken) throw new TypeError('OnedataClientConfig.onezoneToken is required');
  const onezoneUrl = requireUrl('onezoneUrl', cfg.onezoneUrl);
  const oneproviderUrl = requireUrl('oneproviderUrl', cfg.oneproviderUrl);
  const onepanelUrl = cfg.onepanelUrl ? requireUrl('onepanelUrl', cfg.onepanelUrl) : oneproviderUrl;
  const providerToken = cfg.providerToken || cfg.onezoneToken;
  registerSecret(cfg.onezoneToken);
  registerSecret(providerToken);
  const common = commonHttp(cfg);
  const primary = providerApis(common, oneproviderUrl, onepanelUrl, providerToken);
  return {
    zone: new OnezoneApi(new ServiceHttp({ ...common, service: 'onezone', baseUrl: onezoneUrl, basePath: '/api/v3/onezone', token: cfg.onezoneToken })),
    provider: primary.provider,
    panel: primary.panel,
  };
}

/**
 * Clients of further Oneproviders (the secondaries that hold replicas), with the same timeouts,
 * retries, concurrency and provider token as `cfg`. Each URL gets its own Oneprovider and Onepanel
 * client (Onepanel proxied under the provider's host, as for the primary).
 */
export function createProviderClients(cfg: OnedataClientConfig, urls: string[]): ProviderApis[] {
  const providerToken = cfg.providerToken || cfg.onezoneToken;
  if (!providerToken) throw new TypeError('OnedataClientConfig.onezoneToken is required');
  registerSecret(providerToken);
  const common = commonHttp(cfg);
  return urls.map((u, i) => {
    const url = requireUrl(`providers[${i}]`, u);
    return providerApis(common, url, url, providerToken);
  });
}

export { OnezoneApi } from './onezone.ts';
export { OneproviderApi } from './oneprovider.ts';
export { OnepanelApi } from './onepanel.ts';
export { ServiceHttp, idFromLocation, urlPath, type HttpResponse, type RequestOptions, type ServiceHttpConfig } from './http.ts';
export {
  OnedataError,
  OnedataValidationError,
  InvalidNameError,
  InvalidStorageSpecError,
  isOnedataError,
  hasErrorId,
  isPosixError,
  isNotFound,
  isConflict,
  isTransient,
  isPermanent,
  parseErrorEnvelope,
} from './errors.ts';
export { validateOnedataName, sanitiseDatasetName, assertValidOnedataName, NAME_MIN_LENGTH, NAME_MAX_LENGTH, type NameValidation } from './names.ts';
export { validateStorageSpec, storageCreateBody } from './storage-spec.ts';
export { waitUntilProviderSeesSpace, isProviderNotYetError, type WaitOptions } from './wait.ts';
export { DeadlineExceededError } from '../retry/index.ts';
export type * from './types.ts';
