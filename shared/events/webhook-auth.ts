import { timingSafeEqual } from 'node:crypto';
import { registerSecret } from '../log/index.ts';

/**
 * Who may call a function over HTTP. Two secrets, because two kinds of caller:
 * - the **webhook token** (`S3OD_WEBHOOK_TOKEN`) proves a bucket notification. MinIO and OpenFaaS
 *   send `Authorization: Bearer <token>`; Ceph RGW cannot send headers, so its topic carries the
 *   token as OpaqueData, which RGW copies into every record. It therefore travels with every
 *   notification, and may only ever unlock on-object-event (which just enqueues what it is told
 *   about objects; the workers re-derive everything from the keys).
 * - the **jobs token** (`S3OD_JOBS_TOKEN`) proves the queue worker (or an operator) posting jobs to
 *   provision, import and reconcile. Header only: it never travels in a notification.
 *
 * Both fail closed: with no token configured nothing is accepted, unless the deployment says it is
 * local-only (`allowUnauthenticated`), which the function logs at start.
 */
export interface EndpointAuth {
  /** The expected secret; undefined or empty when none is configured. */
  token: string | undefined;
  /**
   * The secret being rotated out (`S3OD_WEBHOOK_TOKEN_PREVIOUS`), accepted beside `token` while a
   * rotation is under way: RGW stores the token in each bucket notification, and a persistent
   * topic with every event it queued, so deliveries carry the old one until the notification is
   * set up again and its queue has drained (docs/operations.md, "Rotating the webhook token").
   * Only with `token`: it never opens a closed endpoint.
   */
  previous?: string | undefined;
  /** Only for a local stack that nothing else can reach: accept calls without a secret. */
  allowUnauthenticated: boolean;
}

/**
 * A bucket notification: a Bearer header, or the opaqueData of every record the delivery holds
 * (object changes and the records s3od ignores alike), carries the webhook token.
 */
export function isAuthorizedDelivery(auth: EndpointAuth, headers: Record<string, string | undefined>, opaqueData: (string | undefined)[]): boolean {
  return deliveryAuthorizedBy(auth, headers, opaqueData) !== undefined;
}

/**
 * What let a delivery in: the current token, the previous one (some of it carries the token being
 * rotated out: the operator waits until no delivery says so), or the local-only setting; undefined
 * when nothing did.
 */
export function deliveryAuthorizedBy(
  auth: EndpointAuth,
  headers: Record<string, string | undefined>,
  opaqueData: (string | undefined)[],
): 'token' | 'previous' | 'local-only' | undefined {
  if (!auth.token) return auth.allowUnauthenticated ? 'local-only' : undefined;
  const accepted = acceptedTokens(auth);
  const bearer = bearerToken(headers);
  const which = (t: string | undefined): number => (t === undefined ? -1 : accepted.findIndex((a) => safeEqual(t, a)));
  if (bearer !== undefined && which(bearer) >= 0) return which(bearer) === 0 ? 'token' : 'previous';
  if (opaqueData.length === 0) return undefined;
  const matches = opaqueData.map(which);
  if (matches.some((m) => m < 0)) return undefined;
  return matches.every((m) => m === 0) ? 'token' : 'previous';
}

/** A job or an invocation: only `Authorization: Bearer <jobs token>`. */
export function isAuthorizedJobCall(auth: EndpointAuth, headers: Record<string, string | undefined>): boolean {
  if (!auth.token) return auth.allowUnauthenticated;
  const bearer = bearerToken(headers);
  return bearer !== undefined && acceptedTokens(auth).some((t) => safeEqual(bearer, t));
}

function acceptedTokens(auth: EndpointAuth): string[] {
  return auth.previous ? [auth.token!, auth.previous] : [auth.token!];
}

/** Reads the endpoint settings of one kind of caller from an environment (handlers only). */
export function endpointAuthFromEnv(kind: 'webhook' | 'jobs', env: NodeJS.ProcessEnv): EndpointAuth {
  const token = (kind === 'webhook' ? env.S3OD_WEBHOOK_TOKEN : env.S3OD_JOBS_TOKEN) || undefined;
  const previous = (kind === 'webhook' ? env.S3OD_WEBHOOK_TOKEN_PREVIOUS : env.S3OD_JOBS_TOKEN_PREVIOUS) || undefined;
  // Never in a log line of the function that checks them (on-object-event loads no other secrets).
  for (const t of [token, previous]) if (t) registerSecret(t);
  return { token, ...(previous ? { previous } : {}), allowUnauthenticated: env.S3OD_INSECURE_LOCAL_NO_AUTH === 'true' };
}

/** The line a function logs at start about its endpoint, or undefined when all is as it should be. */
export function endpointAuthWarning(kind: 'webhook' | 'jobs', auth: EndpointAuth): string | undefined {
  const variable = kind === 'webhook' ? 'S3OD_WEBHOOK_TOKEN' : 'S3OD_JOBS_TOKEN';
  if (auth.token) return undefined;
  return auth.allowUnauthenticated
    ? `${variable} is not set and S3OD_INSECURE_LOCAL_NO_AUTH=true: every HTTP call is accepted; use this only where nothing but this machine can reach the endpoint`
    : `${variable} is not set: every HTTP call is refused (401)`;
}

function bearerToken(headers: Record<string, string | undefined>): string | undefined {
  const h = headers.authorization ?? headers.Authorization;
  // The scheme is case-insensitive (RFC 9110 §11.1): "bearer x" is as good as "Bearer x".
  return (h ? /^bearer +(.+)$/i.exec(h) : null)?.[1];
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Jobs are JSON, and only JSON is accepted: a browser sends `text/plain` or a form cross-site
 * without asking, but `application/json` only after a CORS preflight no s3od endpoint answers.
 */
export function isJsonContentType(headers: Record<string, string | undefined>): boolean {
  const ct = (headers['content-type'] ?? headers['Content-Type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return ct === 'application/json';
}
