import axios, { type AxiosInstance } from 'axios';

/**
 * An axios instance for a JSON REST API whose answers s3od reads itself (the Onedata services,
 * DAREG): one place for the settings both need.
 */
export function jsonApiAxios(opts: { baseURL?: string; timeoutMs: number; headers?: Record<string, string> }): AxiosInstance {
  return axios.create({
    ...(opts.baseURL ? { baseURL: opts.baseURL } : {}),
    timeout: opts.timeoutMs,
    // Redirects would forward the credentials to wherever the Location points; no endpoint we call redirects.
    maxRedirects: 0,
    // Status handling and JSON parsing are ours: bodies can be empty, non-JSON (proxies) or any JSON value.
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: [(data: unknown) => data],
    // Report timeouts as ETIMEDOUT rather than the ambiguous ECONNABORTED.
    transitional: { clarifyTimeoutError: true },
    headers: { Accept: 'application/json', ...opts.headers },
  });
}
