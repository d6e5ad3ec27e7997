/** A tiny router and the request/response shapes the route modules use. */
import type { IncomingHttpHeaders } from 'node:http';
import { err, fail } from './errors.ts';
import type { Provider } from './model.ts';
import type { Sim } from './sim.ts';

export interface SimRequest {
  method: string;
  /** Path below the service prefix, e.g. `/groups/abc/spaces`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface Ctx {
  sim: Sim;
  req: SimRequest;
  params: Record<string, string>;
  /** The provider whose host received the call (the primary one for Onezone calls). */
  provider: Provider;
  /** The parsed JSON body; `undefined` when empty; throws `malformedData` when unparsable. */
  body(): unknown;
}

export type Handler = (ctx: Ctx) => SimResponse;

interface Route {
  method: string;
  segments: string[];
  handler: Handler;
}

export type RouteMatch = { handler: Handler; params: Record<string, string> } | { methodNotAllowed: string[] } | null;

export class Router {
  #routes: Route[] = [];

  on(method: string, pattern: string, handler: Handler): this {
    this.#routes.push({ method, segments: pattern.split('/').filter(Boolean), handler });
    return this;
  }

  match(method: string, path: string): RouteMatch {
    const parts = path.split('/').filter(Boolean);
    const allowed: string[] = [];
    for (const route of this.#routes) {
      const params = matchSegments(route.segments, parts);
      if (!params) continue;
      if (route.method === method) return { handler: route.handler, params };
      allowed.push(route.method);
    }
    return allowed.length > 0 ? { methodNotAllowed: allowed } : null;
  }
}

function matchSegments(pattern: string[], parts: string[]): Record<string, string> | null {
  if (pattern.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const part = parts[i] as string;
    if (p.startsWith(':')) {
      try {
        params[p.slice(1)] = decodeURIComponent(part);
      } catch {
        return null;
      }
    } else if (p !== part) return null;
  }
  return params;
}

export function parseJsonBody(raw: string): unknown {
  if (raw.trim() === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    fail(err.malformedData());
  }
}

export const json = (status: number, body: unknown, headers?: Record<string, string>): SimResponse => (headers ? { status, body, headers } : { status, body });
export const ok = (body: unknown): SimResponse => ({ status: 200, body });
export const noContent = (): SimResponse => ({ status: 204 });
export const created = (location: string, body?: unknown): SimResponse =>
  body === undefined ? { status: 201, headers: { location } } : { status: 201, headers: { location }, body };

/** The body as an object (an empty body counts as `{}`); anything else is `malformedData`. */
export function objectBody(ctx: Ctx): Record<string, unknown> {
  const body = ctx.body();
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) fail(err.malformedData());
  return body as Record<string, unknown>;
}
