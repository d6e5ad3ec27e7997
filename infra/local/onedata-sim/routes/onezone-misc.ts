/** Onezone configuration, health, current user, providers and the Onezone view of shares. */
import { authenticate, hasOzPrivilege } from '../auth.ts';
import { err, fail } from '../errors.ts';
import { noContent, objectBody, ok, type Ctx, type Router } from '../http.ts';
import { shareObjectId } from '../ids.ts';
import { effectiveSpaces, spacePrivileges } from '../membership.ts';
import type { Provider, Share } from '../model.ts';
import { assertValidName } from '../names.ts';
import { validateBody } from '../schemas.ts';
import type { Sim } from '../sim.ts';
import { BUILD, COMPATIBLE_21_02, VERSION } from '../version.ts';
import { AVAILABLE_SPACE_TAGS } from './common.ts';

export function shareUrls(sim: Sim, shareId: string): { publicUrl: string; publicRestUrl: string } {
  return {
    publicUrl: `https://${sim.seed.zoneDomain}/share/${shareId}`,
    publicRestUrl: `https://${sim.seed.zoneDomain}/api/v3/onezone/shares/${shareId}/public`,
  };
}

export function zoneShareJson(sim: Sim, share: Share, isPublic: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    shareId: share.id,
    name: share.name,
    description: share.description,
    ...shareUrls(sim, share.id),
    rootFileId: shareObjectId(share.rootFileUuid, share.spaceId, share.id),
    fileType: share.rootFileType === 'DIR' ? 'dir' : 'file',
    handleId: share.handleId,
    creationTime: share.creationTime,
  };
  if (!isPublic) Object.assign(out, { spaceId: share.spaceId, creator: share.creator });
  return out;
}

function providerJson(p: Provider, creationTime: number): Record<string, unknown> {
  return { providerId: p.id, name: p.name, domain: p.domain, latitude: 50.06, longitude: 19.94, clusterId: p.clusterId, online: true, creationTime };
}

/** Providers supporting any space the user effectively belongs to. */
function userProviders(sim: Sim, userId: string): Provider[] {
  const spaces = new Set(effectiveSpaces(sim.state, userId));
  return sim.state.providers.filter((p) => [...spaces].some((sid) => sim.zoneSupports(sid).some((s) => s.providerId === p.id)));
}

function requireShare(ctx: Ctx): Share {
  const share = ctx.sim.state.shares.get(String(ctx.params['id']));
  if (!share) fail(err.notFound());
  return share;
}

export function registerOnezoneMisc(router: Router): void {
  router.on('GET', '/configuration', (ctx) =>
    ok({
      name: ctx.sim.seed.zoneName,
      domain: ctx.sim.seed.zoneDomain,
      version: VERSION,
      build: BUILD,
      subdomainDelegationSupported: false,
      compatibleOneproviderVersions: COMPATIBLE_21_02,
      compatibilityRegistryRevision: 2024092400,
      supportedIdPs: [{ id: 'basicAuth', offlineAccess: false }],
      availableSpaceTags: AVAILABLE_SPACE_TAGS,
    }),
  );
  router.on('GET', '/health', () => ok({ status: 'healthy' }));

  router.on('GET', '/user', (ctx) => {
    const user = ctx.sim.state.users.get(authenticate(ctx, 'onezone').userId);
    if (!user) fail(err.notFound());
    return ok({ userId: user.id, fullName: user.fullName, username: user.username, creationTime: user.creationTime });
  });

  router.on('GET', '/providers', (ctx) => {
    if (!hasOzPrivilege(ctx, authenticate(ctx, 'onezone'), 'oz_providers_list')) fail(err.forbidden());
    return ok({ providers: ctx.sim.state.providers.map((p) => p.id) });
  });

  router.on('GET', '/providers/:id', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    const provider = ctx.sim.state.provider(String(ctx.params['id']));
    if (!provider) fail(err.notFound());
    if (!hasOzPrivilege(ctx, caller, 'oz_providers_view') && !userProviders(ctx.sim, caller.userId).includes(provider)) fail(err.forbidden());
    return ok(providerJson(provider, ctx.sim.seed.createdAt));
  });

  // fs2od `test remove --of_provider` (Onezone admin rights): the spaces a provider supports.
  router.on('GET', '/providers/:id/spaces', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    const provider = ctx.sim.state.provider(String(ctx.params['id']));
    if (!provider) fail(err.notFound());
    if (!hasOzPrivilege(ctx, caller, 'oz_providers_list_relationships')) fail(err.forbidden());
    return ok({ spaces: [...ctx.sim.state.spaces.keys()].filter((sid) => ctx.sim.zoneSupports(sid).some((s) => s.providerId === provider.id)) });
  });

  router.on('GET', '/user/effective_providers', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    return ok({ providers: userProviders(ctx.sim, caller.userId).map((p) => p.id) });
  });

  router.on('GET', '/shares/:id', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    const share = requireShare(ctx);
    if (!hasOzPrivilege(ctx, caller, 'oz_shares_view') && !spacePrivileges(ctx.sim.state, caller.userId, share.spaceId)?.has('space_view')) {
      fail(err.forbidden());
    }
    return ok(zoneShareJson(ctx.sim, share, false));
  });

  router.on('GET', '/shares/:id/public', (ctx) => ok(zoneShareJson(ctx.sim, requireShare(ctx), true)));

  router.on('PATCH', '/shares/:id', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    const share = requireShare(ctx);
    if (!hasOzPrivilege(ctx, caller, 'oz_shares_update') && !spacePrivileges(ctx.sim.state, caller.userId, share.spaceId)?.has('space_manage_shares')) {
      fail(err.forbidden());
    }
    applyShareUpdate(ctx);
    return noContent();
  });
}

/** Shared by the Onezone and Oneprovider PATCH of a share. */
export function applyShareUpdate(ctx: Ctx): void {
  const share = requireShare(ctx);
  const body = validateBody('shareUpdate', objectBody(ctx));
  if (body['name'] === undefined && body['description'] === undefined) fail(err.missingAtLeastOneValue(['description', 'name']));
  if (body['name'] !== undefined) share.name = assertValidName(body['name']);
  if (body['description'] !== undefined) share.description = checkDescription(body['description']);
}

export const SHARE_DESCRIPTION_LIMIT = 100_000;

export function checkDescription(value: unknown): string {
  const text = String(value);
  if (Buffer.byteLength(text, 'utf8') > SHARE_DESCRIPTION_LIMIT) fail(err.badValueStringTooLarge('description', SHARE_DESCRIPTION_LIMIT));
  return text;
}
