/** Onezone tokens: named and temporary tokens (access, identity, invite), lookup by id/name, modify, delete, examine, confine. */
import { randomBytes } from 'node:crypto';
import { authenticate, hasOzPrivilege, temporarySecret, type Caller } from '../auth.ts';
import { validateCaveats } from '../caveats.ts';
import { err, fail } from '../errors.ts';
import { created, noContent, objectBody, ok, type Ctx, type Router } from '../http.ts';
import { randomId } from '../ids.ts';
import { allowedPrivileges, assertMayInvite, defaultPrivileges } from '../invites.ts';
import type { NamedToken, User } from '../model.ts';
import { assertValidName } from '../names.ts';
import { validateBody } from '../schemas.ts';
import { confineToken, decodeToken, INVITE_TYPES, serializeToken, typeJson, type Caveat, type TokenType } from '../tokens.ts';
import { privilegeList, zoneUrl } from './common.ts';

/** `max_temporary_token_ttl` of the shipped Onezone config (30 days). */
export const MAX_TEMPORARY_TOKEN_TTL = 2_592_000;

function parseType(raw: unknown): TokenType {
  if (raw === undefined) return { accessToken: {} };
  const bad = (): never => fail(err.badValueTokenType('type'));
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  // Like ctool's token_type:from_json/1: the first known key wins, other keys are ignored.
  const type = raw as Record<string, unknown>;
  if (isObject(type['accessToken'])) return { accessToken: {} };
  if (isObject(type['identityToken'])) return { identityToken: {} };
  const invite = type['inviteToken'];
  if (!isObject(invite)) return bad();
  const info = INVITE_TYPES[String(invite['inviteType'])];
  const target = info ? invite[info.targetKey] : undefined;
  if (!info || typeof target !== 'string' || target === '') return bad();
  return { inviteToken: { inviteType: String(invite['inviteType']), [info.targetKey]: target, parameters: {} } };
}

/** The token subject of `/user/...` (the caller) or `/users/{id}/...` (the caller or a token admin). */
function subjectOf(ctx: Ctx, caller: Caller): User {
  const id = ctx.params['uid'] ?? caller.userId;
  const user = ctx.sim.state.users.get(id);
  if (!user) fail(err.notFound());
  if (id !== caller.userId && !hasOzPrivilege(ctx, caller, 'oz_tokens_manage')) fail(err.forbidden());
  return user;
}

function ownedToken(ctx: Ctx, caller: Caller): NamedToken {
  const token = ctx.sim.state.namedTokens.get(String(ctx.params['id']));
  if (!token) fail(err.notFound());
  if (token.subjectUserId !== caller.userId && !hasOzPrivilege(ctx, caller, 'oz_tokens_manage')) fail(err.forbidden());
  return token;
}

export function namedTokenJson(t: NamedToken): Record<string, unknown> {
  const metadata: Record<string, unknown> = { creationTime: t.creationTime, custom: t.customMetadata };
  if ('inviteToken' in t.type) {
    metadata['usageLimit'] = t.usageLimit;
    metadata['usageCount'] = t.usageCount;
    if (t.privileges) metadata['privileges'] = t.privileges;
  }
  return {
    id: t.id,
    name: t.name,
    subject: { type: 'user', id: t.subjectUserId },
    type: typeJson(t.type),
    caveats: t.caveats,
    metadata,
    revoked: t.revoked,
    token: t.serialized,
  };
}

function usageLimitOf(raw: unknown): number | 'infinity' {
  if (raw === undefined || raw === 'infinity') return 'infinity';
  if (typeof raw !== 'number') fail(err.badValueInteger('usageLimit'));
  if (raw < 1) fail(err.badValueTooLow('usageLimit', 1));
  return raw;
}

function createNamed(ctx: Ctx): NamedToken {
  const caller = authenticate(ctx, 'onezone');
  const subject = subjectOf(ctx, caller);
  const body = validateBody('namedTokenCreate', objectBody(ctx));
  const name = assertValidName(body['name']);
  const type = parseType(body['type']);
  const caveats = validateCaveats(body['caveats']);
  let privileges: string[] | null = null;
  let usageLimit: number | 'infinity' = 'infinity';
  if ('inviteToken' in type) {
    const info = INVITE_TYPES[type.inviteToken.inviteType];
    const target = String(type.inviteToken[info?.targetKey ?? '']);
    const custom = info?.hasPrivileges === true && body['privileges'] !== undefined;
    assertMayInvite(ctx.sim, subject.id, type.inviteToken.inviteType, target, custom);
    if (info?.hasPrivileges) privileges = custom ? privilegeList(body['privileges'], allowedPrivileges(info)) : defaultPrivileges(info);
    usageLimit = usageLimitOf(body['usageLimit']);
  }
  const { state } = ctx.sim;
  if ([...state.namedTokens.values()].some((t) => t.subjectUserId === subject.id && t.name === name)) {
    fail(err.badValueIdentifierOccupied('name'));
  }
  const id = randomId();
  const secret = randomBytes(32).toString('hex');
  const token: NamedToken = {
    id,
    name,
    subjectUserId: subject.id,
    type,
    caveats,
    customMetadata: (body['customMetadata'] as Record<string, unknown> | undefined) ?? {},
    revoked: (body['revoked'] as boolean | undefined) ?? false,
    creationTime: ctx.sim.nowS(),
    usageLimit,
    usageCount: 0,
    privileges,
    secret,
    serialized: serializeToken(ctx.sim.seed.zoneDomain, { persistence: 'named', subjectUserId: subject.id, type, id }, caveats, secret),
  };
  state.namedTokens.set(id, token);
  return token;
}

function createTemporary(ctx: Ctx): string {
  const caller = authenticate(ctx, 'onezone');
  const subject = subjectOf(ctx, caller);
  const body = validateBody('temporaryTokenCreate', objectBody(ctx));
  const type = parseType(body['type']);
  const caveats = validateCaveats(body['caveats']);
  const times = caveats.filter((c): c is Caveat & { validUntil: number } => c.type === 'time').map((c) => c.validUntil);
  if (times.length === 0 || Math.min(...times) - ctx.sim.nowS() > MAX_TEMPORARY_TOKEN_TTL) {
    fail(err.tokenTimeCaveatRequired(MAX_TEMPORARY_TOKEN_TTL));
  }
  if ('inviteToken' in type) {
    const info = INVITE_TYPES[type.inviteToken.inviteType];
    assertMayInvite(ctx.sim, subject.id, type.inviteToken.inviteType, String(type.inviteToken[info?.targetKey ?? '']), false);
  }
  const id = randomId();
  const generation = subject.temporaryTokenGeneration;
  ctx.sim.state.temporaryTokens.push({ id, subjectUserId: subject.id, type, caveats, generation, issuedAt: ctx.sim.nowS() });
  return serializeToken(
    ctx.sim.seed.zoneDomain,
    { persistence: { temporary: generation }, subjectUserId: subject.id, type, id },
    caveats,
    temporarySecret(ctx.sim, subject.id, generation),
  );
}

function findByName(ctx: Ctx): NamedToken {
  const subject = subjectOf(ctx, authenticate(ctx, 'onezone'));
  const name = String(ctx.params['name']);
  const token = [...ctx.sim.state.namedTokens.values()].find((t) => t.subjectUserId === subject.id && t.name === name);
  if (!token) fail(err.notFound());
  return token;
}

export function registerOnezoneTokens(router: Router): void {
  for (const base of ['/user', '/users/:uid']) {
    router.on('POST', `${base}/tokens/named`, (ctx) => {
      const token = createNamed(ctx);
      return created(zoneUrl(ctx, `/tokens/named/${token.id}`), { tokenId: token.id, token: token.serialized });
    });
    router.on('POST', `${base}/tokens/temporary`, (ctx) => ({ status: 201, body: { token: createTemporary(ctx) } }));
    router.on('GET', `${base}/tokens/named`, (ctx) => {
      const subject = subjectOf(ctx, authenticate(ctx, 'onezone'));
      return ok({ tokens: [...ctx.sim.state.namedTokens.values()].filter((t) => t.subjectUserId === subject.id).map((t) => t.id) });
    });
    router.on('GET', `${base}/tokens/named/name/:name`, (ctx) => ok(namedTokenJson(findByName(ctx))));
    router.on('DELETE', `${base}/tokens/temporary`, (ctx) => {
      subjectOf(ctx, authenticate(ctx, 'onezone')).temporaryTokenGeneration++;
      return noContent();
    });
  }

  router.on('GET', '/tokens/named/:id', (ctx) => ok(namedTokenJson(ownedToken(ctx, authenticate(ctx, 'onezone')))));
  router.on('GET', '/tokens/named/:id/status', (ctx) => ok({ revoked: ownedToken(ctx, authenticate(ctx, 'onezone')).revoked }));

  router.on('PATCH', '/tokens/named/:id', (ctx) => {
    const token = ownedToken(ctx, authenticate(ctx, 'onezone'));
    const body = validateBody('namedTokenUpdate', objectBody(ctx));
    if (body['name'] === undefined && body['customMetadata'] === undefined && body['revoked'] === undefined) {
      fail(err.missingAtLeastOneValue(['customMetadata', 'name', 'revoked']));
    }
    if (body['name'] !== undefined) {
      const name = assertValidName(body['name']);
      const clash = [...ctx.sim.state.namedTokens.values()].some((t) => t.id !== token.id && t.subjectUserId === token.subjectUserId && t.name === name);
      if (clash) fail(err.badValueIdentifierOccupied('name'));
      token.name = name;
    }
    if (body['customMetadata'] !== undefined) token.customMetadata = body['customMetadata'] as Record<string, unknown>;
    if (body['revoked'] !== undefined) token.revoked = body['revoked'] as boolean;
    return noContent();
  });

  router.on('DELETE', '/tokens/named/:id', (ctx) => {
    const token = ownedToken(ctx, authenticate(ctx, 'onezone'));
    ctx.sim.state.namedTokens.delete(token.id);
    return noContent();
  });

  router.on('POST', '/tokens/examine', (ctx) => {
    const body = validateBody('tokenOnly', objectBody(ctx));
    const decoded = decodeToken(String(body['token']));
    if (!decoded) fail(err.badValueToken('token', err.badToken()));
    return ok({
      onezoneDomain: decoded.location,
      id: decoded.id,
      persistence: decoded.persistence === 'named' ? 'named' : 'temporary',
      subject: { type: 'user', id: decoded.subjectUserId },
      type: typeJson(decoded.type),
      caveats: decoded.caveats,
    });
  });

  router.on('POST', '/tokens/confine', (ctx) => {
    const raw = objectBody(ctx);
    const body = validateBody('tokenOnly', raw);
    if (raw['caveats'] === undefined) fail(err.missingRequiredValue('caveats'));
    const caveats = validateCaveats(raw['caveats']);
    const confined = confineToken(String(body['token']), caveats);
    if (!confined) fail(err.badValueToken('token', err.badToken()));
    return ok({ token: confined });
  });
}
