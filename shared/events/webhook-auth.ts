import { timingSafeEqual } from 'node:crypto';

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
  /** Only for a local stack that nothing else can reach: accept calls without a secret. */
  allowUnauthenticated: boolean;
}

/** A bucket notification: a Bearer header, or every record's opaqueData, carries the webhook token. */
export function isAuthorizedDelivery(auth: EndpointAuth, headers: Record<string, string | undefined>, opaqueData: (string | undefined)[]): boolean {
  if (!auth.token) return auth.allowUnauthenticated;
  if (bearerMatches(auth.token, headers)) return true;
  return opaqueData.length > 0 && opaqueData.every((o) => o !== undefined && safeEqual(o, auth.token!));
}

/** A job or an invocation: only `Authorization: Bearer <jobs token>`. */
export function isAuthorizedJobCall(auth: EndpointAuth, headers: Record<string, string | undefined>): boolean {
  if (!auth.token) return auth.allowUnauthenticated;
  return bearerMatches(auth.token, headers);
}

/** Reads the endpoint settings of one kind of caller from an environment (handlers only). */
export function endpointAuthFromEnv(kind: 'webhook' | 'jobs', env: NodeJS.ProcessEnv): EndpointAuth {
  const token = (kind === 'webhook' ? env.S3OD_WEBHOOK_TOKEN : env.S3OD_JOBS_TOKEN) || undefined;
  return { token, allowUnauthenticated: env.S3OD_INSECURE_LOCAL_NO_AUTH === 'true' };
}

/** The line a function logs at start about its endpoint, or undefined when all is as it should be. */
export function endpointAuthWarning(kind: 'webhook' | 'jobs', auth: EndpointAuth): string | undefined {
  const variable = kind === 'webhook' ? 'S3OD_WEBHOOK_TOKEN' : 'S3OD_JOBS_TOKEN';
  if (auth.token) return undefined;
  return auth.allowUnauthenticated
    ? `${variable} is not set and S3OD_INSECURE_LOCAL_NO_AUTH=true: every HTTP call is accepted; use this only where nothing but this machine can reach the endpoint`
    : `${variable} is not set: every HTTP call is refused (401)`;
}

function bearerMatches(expected: string, headers: Record<string, string | undefined>): boolean {
  const h = headers.authorization ?? headers.Authorization;
  if (!h || !h.startsWith('Bearer ')) return false;
  return safeEqual(h.slice(7), expected);
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
