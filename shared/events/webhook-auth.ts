import { timingSafeEqual } from 'node:crypto';

/**
 * Authenticates a webhook delivery. MinIO and OpenFaaS send `Authorization: Bearer <token>`;
 * Ceph RGW cannot send headers, so its topic carries the secret as OpaqueData, which RGW copies
 * into every record (`opaqueData`). Either proof is accepted. With no token configured every
 * delivery is accepted (a deployment that keeps the endpoint private by other means).
 */
export function isAuthorizedDelivery(
  expected: string | undefined,
  headers: Record<string, string | undefined>,
  opaqueData: (string | undefined)[],
): boolean {
  if (!expected) return true;
  const auth = headers.authorization ?? headers.Authorization;
  if (auth) {
    const presented = auth.startsWith('Bearer ') ? auth.slice(7) : auth;
    if (safeEqual(presented, expected)) return true;
  }
  return opaqueData.length > 0 && opaqueData.every((o) => o !== undefined && safeEqual(o, expected));
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
