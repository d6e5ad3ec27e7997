/** Onezone spaces: create (for the user or a group, with `idGeneratorSeed`), read, list, modify, delete, group membership, support removal. */
import { authenticate, hasOzPrivilege, type Caller } from '../auth.ts';
import { err, fail } from '../errors.ts';
import { spaceRoot } from '../files.ts';
import { created, noContent, objectBody, ok, type Ctx, type Router } from '../http.ts';
import { seededSpaceId, randomId } from '../ids.ts';
import { effectiveSpaces, isEffectiveGroupMember, spacePrivileges } from '../membership.ts';
import type { Space } from '../model.ts';
import { assertValidName } from '../names.ts';
import { SPACE_ADMIN, SPACE_MANAGER, SPACE_MEMBER, sortPrivileges } from '../privileges.ts';
import { validateBody } from '../schemas.ts';
import { AVAILABLE_SPACE_TAGS, privilegeList, requireGroup, requireGroupPrivilege, requireSpace, requireSpacePrivilege, spaceJson, zoneUrl } from './common.ts';

const ALL_TAGS = Object.values(AVAILABLE_SPACE_TAGS).flat();

function createSpace(ctx: Ctx, caller: Caller, groupId: string | null): Space {
  const body = validateBody('spaceCreate', objectBody(ctx));
  const name = assertValidName(body['name']);
  const tags = body['tags'] === undefined ? [] : privilegeList(body['tags'], ALL_TAGS, 'tags');
  const seed = body['idGeneratorSeed'] as string | undefined;
  const id = seed === undefined ? randomId() : seededSpaceId(seed);
  const { state } = ctx.sim;
  if (state.spaces.has(id)) fail(err.alreadyExists());
  const space: Space = {
    id,
    name,
    tags,
    description: (body['description'] as string | undefined) ?? '',
    organizationName: (body['organizationName'] as string | undefined) ?? '',
    advertisedInMarketplace: (body['advertisedInMarketplace'] as boolean | undefined) ?? false,
    marketplaceContactEmail: (body['marketplaceContactEmail'] as string | undefined) ?? '',
    creationTime: ctx.sim.nowS(),
    creator: { type: 'user', id: caller.userId },
    users: new Map(),
    groups: new Map(),
    owners: new Set(),
  };
  if (groupId !== null) space.groups.set(groupId, ctx.sim.relation(SPACE_ADMIN));
  if (groupId === null || isEffectiveGroupMember(state, caller.userId, groupId)) {
    space.users.set(caller.userId, ctx.sim.relation(SPACE_ADMIN));
    space.owners.add(caller.userId);
  }
  state.spaces.set(id, space);
  spaceRoot(ctx.sim, id);
  return space;
}

function viewableSpace(ctx: Ctx, caller: Caller, id: string | undefined): Space {
  const space = requireSpace(ctx, id);
  requireSpacePrivilege(ctx, caller, space.id, 'space_view', 'oz_spaces_view');
  return space;
}

/**
 * `GET /spaces/{id}` is the protected view: any effective member reads it (oz-worker checks only
 * membership there; onedata-api.md), or an admin with `oz_spaces_view`. The space's lists of
 * groups, users and shares need `space_view` (viewableSpace).
 */
function readableSpace(ctx: Ctx, caller: Caller, id: string | undefined): Space {
  const space = requireSpace(ctx, id);
  if (spacePrivileges(ctx.sim.state, caller.userId, space.id) === null && !hasOzPrivilege(ctx, caller, 'oz_spaces_view')) fail(err.forbidden());
  return space;
}

export function registerOnezoneSpaces(router: Router): void {
  router.on('GET', '/spaces/privileges', () => ok({ admin: SPACE_ADMIN, manager: SPACE_MANAGER, member: SPACE_MEMBER }));

  router.on('POST', '/user/spaces', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    const space = createSpace(ctx, caller, null);
    return created(zoneUrl(ctx, `/user/spaces/${space.id}`));
  });

  router.on('POST', '/groups/:id/spaces', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    const group = requireGroup(ctx, ctx.params['id']);
    if (!(hasOzPrivilege(ctx, caller, 'oz_spaces_create') && hasOzPrivilege(ctx, caller, 'oz_groups_add_relationships')))
      requireGroupPrivilege(ctx, caller, group.id, 'group_add_space');
    const space = createSpace(ctx, caller, group.id);
    return created(zoneUrl(ctx, `/groups/${group.id}/spaces/${space.id}`));
  });

  router.on('GET', '/spaces/:id', (ctx) => ok(spaceJson(ctx.sim, readableSpace(ctx, authenticate(ctx, 'onezone'), ctx.params['id']))));

  router.on('GET', '/user/spaces', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    const spaces = [...ctx.sim.state.spaces.values()].filter((s) => s.deletedAtMs === undefined && s.users.has(caller.userId));
    return ok({ spaces: spaces.map((s) => s.id) });
  });

  for (const path of ['/user/spaces/:id', '/user/effective_spaces/:id']) {
    router.on('GET', path, (ctx) => {
      const caller = authenticate(ctx, 'onezone');
      const space = requireSpace(ctx, ctx.params['id']);
      const direct = path.startsWith('/user/spaces') ? space.users.has(caller.userId) : spacePrivileges(ctx.sim.state, caller.userId, space.id) !== null;
      if (!direct) fail(err.notFound());
      return ok(spaceJson(ctx.sim, space));
    });
  }

  router.on('GET', '/user/effective_spaces', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    return ok({ spaces: effectiveSpaces(ctx.sim.state, caller.userId) });
  });

  router.on('GET', '/groups/:id/spaces', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    const group = requireGroup(ctx, ctx.params['id']);
    requireGroupPrivilege(ctx, caller, group.id, 'group_view', 'oz_groups_view');
    const spaces = [...ctx.sim.state.spaces.values()].filter((s) => s.deletedAtMs === undefined && s.groups.has(group.id));
    return ok({ spaces: spaces.map((s) => s.id) });
  });

  router.on('PATCH', '/spaces/:id', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    const space = requireSpace(ctx, ctx.params['id']);
    requireSpacePrivilege(ctx, caller, space.id, 'space_update', 'oz_spaces_update');
    const body = validateBody('spaceUpdate', objectBody(ctx));
    const keys = ['name', 'description', 'organizationName', 'tags', 'advertisedInMarketplace', 'marketplaceContactEmail'];
    if (!keys.some((k) => body[k] !== undefined)) fail(err.missingAtLeastOneValue(keys));
    if (body['name'] !== undefined) space.name = assertValidName(body['name']);
    if (body['tags'] !== undefined) space.tags = privilegeList(body['tags'], ALL_TAGS, 'tags');
    for (const k of ['description', 'organizationName', 'advertisedInMarketplace', 'marketplaceContactEmail'] as const) {
      if (body[k] !== undefined) (space as unknown as Record<string, unknown>)[k] = body[k];
    }
    return noContent();
  });

  router.on('DELETE', '/spaces/:id', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    const space = requireSpace(ctx, ctx.params['id']);
    requireSpacePrivilege(ctx, caller, space.id, 'space_delete', 'oz_spaces_delete');
    space.deletedAtMs = ctx.sim.nowMs();
    space.forgetAtMs = ctx.sim.propagatedAt();
    for (const [id, share] of ctx.sim.state.shares) if (share.spaceId === space.id) ctx.sim.state.shares.delete(id);
    ctx.sim.gc();
    return noContent();
  });

  router.on('GET', '/spaces/:id/shares', (ctx) => {
    const space = viewableSpace(ctx, authenticate(ctx, 'onezone'), ctx.params['id']);
    return ok({ shares: [...ctx.sim.state.shares.values()].filter((s) => s.spaceId === space.id).map((s) => s.id) });
  });

  router.on('GET', '/spaces/:id/groups', (ctx) => {
    const space = viewableSpace(ctx, authenticate(ctx, 'onezone'), ctx.params['id']);
    return ok({ groups: [...space.groups.keys()] });
  });

  router.on('GET', '/spaces/:id/users', (ctx) => {
    const space = viewableSpace(ctx, authenticate(ctx, 'onezone'), ctx.params['id']);
    return ok({ users: [...space.users.keys()] });
  });

  router.on('GET', '/spaces/:id/providers', (ctx) => {
    const space = viewableSpace(ctx, authenticate(ctx, 'onezone'), ctx.params['id']);
    return ok({ providers: ctx.sim.zoneSupports(space.id).map((s) => s.providerId) });
  });

  router.on('PUT', '/spaces/:id/groups/:gid', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    const space = requireSpace(ctx, ctx.params['id']);
    const group = requireGroup(ctx, ctx.params['gid']);
    const raw = objectBody(ctx);
    requireSpacePrivilege(ctx, caller, space.id, 'space_add_group', 'oz_spaces_add_relationships');
    requireGroupPrivilege(ctx, caller, group.id, 'group_add_space', 'oz_groups_add_relationships');
    if (raw['privileges'] !== undefined) requireSpacePrivilege(ctx, caller, space.id, 'space_set_privileges', 'oz_spaces_set_privileges');
    const body = validateBody('privileges', raw);
    const privileges = body['privileges'] === undefined ? [...SPACE_MEMBER] : privilegeList(body['privileges'], SPACE_ADMIN);
    if (space.groups.has(group.id)) fail(err.relationAlreadyExists('group', group.id, 'space', space.id));
    space.groups.set(group.id, ctx.sim.relation(sortPrivileges(privileges, SPACE_ADMIN)));
    return created(zoneUrl(ctx, `/spaces/${space.id}/groups/${group.id}`));
  });

  router.on('GET', '/spaces/:id/groups/:gid/privileges', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    const space = requireSpace(ctx, ctx.params['id']);
    requireSpacePrivilege(ctx, caller, space.id, 'space_view_privileges', 'oz_spaces_view');
    const rel = space.groups.get(String(ctx.params['gid']));
    if (!rel) fail(err.notFound());
    return ok({ privileges: rel.privileges });
  });

  router.on('PATCH', '/spaces/:id/groups/:gid/privileges', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    const space = requireSpace(ctx, ctx.params['id']);
    requireSpacePrivilege(ctx, caller, space.id, 'space_set_privileges', 'oz_spaces_set_privileges');
    const gid = String(ctx.params['gid']);
    const rel = space.groups.get(gid);
    if (!rel) fail(err.notFound());
    const body = validateBody('privilegesUpdate', objectBody(ctx));
    if (body['grant'] === undefined && body['revoke'] === undefined) fail(err.missingAtLeastOneValue(['grant', 'revoke']));
    const grant = body['grant'] === undefined ? [] : privilegeList(body['grant'], SPACE_ADMIN, 'grant');
    const revoke = body['revoke'] === undefined ? [] : privilegeList(body['revoke'], SPACE_ADMIN, 'revoke');
    const next = new Set([...rel.privileges, ...grant]);
    for (const p of revoke) next.delete(p);
    space.groups.set(gid, ctx.sim.relation(sortPrivileges(next, SPACE_ADMIN)));
    return noContent();
  });

  router.on('DELETE', '/spaces/:id/groups/:gid', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    const space = requireSpace(ctx, ctx.params['id']);
    requireSpacePrivilege(ctx, caller, space.id, 'space_remove_group', 'oz_spaces_remove_relationships');
    const gid = String(ctx.params['gid']);
    if (!space.groups.delete(gid)) fail(err.relationDoesNotExist('group', gid, 'space', space.id));
    return noContent();
  });

  router.on('DELETE', '/spaces/:id/providers/:pid', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    const space = requireSpace(ctx, ctx.params['id']);
    requireSpacePrivilege(ctx, caller, space.id, 'space_remove_support', 'oz_spaces_remove_relationships');
    const pid = String(ctx.params['pid']);
    const support = ctx.sim.zoneSupports(space.id).find((s) => s.providerId === pid);
    if (!support) fail(err.relationDoesNotExist('space', space.id, 'provider', pid));
    support.removedAtMs = ctx.sim.nowMs();
    support.forgetAtMs = ctx.sim.propagatedAt();
    ctx.sim.gc();
    return noContent();
  });
}
