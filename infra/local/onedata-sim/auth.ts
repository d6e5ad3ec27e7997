/**
 * Authentication (tokens from `X-Auth-Token`, `Authorization: Bearer` or `Macaroon`) and the
 * authorization gates of the three services: Onezone privileges, Onepanel cluster privileges and the
 * Oneprovider "is this user supported here" check.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { checkCaveats } from './caveats.ts';
import { err, fail, type ErrorJson } from './errors.ts';
import type { Ctx } from './http.ts';
import { spacePrivileges } from './membership.ts';
import type { NamedToken } from './model.ts';
import type { Sim } from './sim.ts';
import { decodeToken, signatureFor, tokenFromHeaders, type Caveat, type Persistence, type TokenType } from './tokens.ts';

export interface VerifiedToken {
  subjectUserId: string;
  type: TokenType;
  caveats: Caveat[];
  persistence: Persistence;
  id: string;
  named?: NamedToken;
}

export interface Caller {
  userId: string;
  token: VerifiedToken;
}

/** Secret of a user's temporary tokens of one generation. */
export function temporarySecret(sim: Sim, userId: string, generation: number): string {
  return createHmac('sha256', sim.seed.zoneSecret).update(`${userId}:${generation}`).digest('hex');
}

function sameSignature(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Decodes and verifies a serialized token (signature, existence, revocation); caveats are left to the caller. */
export function verifyToken(sim: Sim, serialized: string): VerifiedToken | ErrorJson {
  const { state, seed } = sim;
  if (seed.customToken !== undefined && serialized === seed.customToken) {
    return { subjectUserId: seed.serviceUserId, type: { accessToken: {} }, caveats: [], persistence: 'named', id: 'custom' };
  }
  const decoded = decodeToken(serialized);
  if (!decoded) return err.badToken();
  if (decoded.location !== seed.zoneDomain) return err.tokenInvalid();
  const user = state.users.get(decoded.subjectUserId);
  if (!user) return err.tokenSubjectInvalid();
  const base = { subjectUserId: user.id, type: decoded.type, caveats: decoded.caveats, persistence: decoded.persistence, id: decoded.id };
  if (decoded.persistence === 'named') {
    const named = state.namedTokens.get(decoded.id);
    if (!named || named.subjectUserId !== user.id) return err.tokenInvalid();
    const expected = signatureFor(named.secret, decoded.identifier, decoded.rawCaveats);
    if (!sameSignature(expected, decoded.signature)) return err.tokenInvalid();
    if (named.revoked) return err.tokenRevoked();
    return { ...base, named };
  }
  const generation = decoded.persistence.temporary;
  const expected = signatureFor(temporarySecret(sim, user.id, generation), decoded.identifier, decoded.rawCaveats);
  if (!sameSignature(expected, decoded.signature)) return err.tokenInvalid();
  if (generation !== user.temporaryTokenGeneration) return err.tokenRevoked();
  return base;
}

export function isAccessToken(type: TokenType): boolean {
  return 'accessToken' in type;
}

/** Authenticates the caller of an API call; throws `401 unauthorized` with the reason in `authError`. */
export function authenticate(ctx: Ctx, service: 'onezone' | 'oneprovider' | 'onepanel', dataApi = false): Caller {
  const serialized = tokenFromHeaders(ctx.req.headers);
  if (!serialized) fail(err.unauthorized());
  const verified = verifyToken(ctx.sim, serialized);
  if ('description' in verified) fail(err.unauthorized(verified));
  if (!isAccessToken(verified.type)) fail(err.unauthorized(err.notAnAccessToken(verified.type)));
  const caveatError = checkCaveats(verified.caveats, { nowS: ctx.sim.nowS(), service, providerId: ctx.provider.id, dataApi });
  if (caveatError) fail(err.unauthorized(caveatError));
  return { userId: verified.subjectUserId, token: verified };
}

/** Onepanel: the caller must be a member of the provider's cluster, with `privilege` if given. */
export function requireCluster(ctx: Ctx, caller: Caller, privilege?: string): void {
  const privileges = ctx.provider.cluster.get(caller.userId);
  if (!privileges || (privilege !== undefined && !privileges.includes(privilege))) fail(err.forbidden());
}

/** Oneprovider: the user must belong to at least one space this provider (already) serves. */
export function requireSupportedUser(ctx: Ctx, caller: Caller): void {
  const { sim, provider } = ctx;
  const filter = sim.providerFilter();
  for (const spaceId of provider.supports.keys()) {
    if (sim.visibleSupport(provider, spaceId) && spacePrivileges(sim.state, caller.userId, spaceId, filter)) return;
  }
  fail(err.userNotSupported());
}

export function hasOzPrivilege(ctx: Ctx, caller: Caller, privilege: string): boolean {
  return ctx.sim.state.users.get(caller.userId)?.ozPrivileges.includes(privilege) ?? false;
}
