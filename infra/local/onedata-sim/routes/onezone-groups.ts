/** Onezone groups: create (for the user or as a child), read, list, modify, delete, children, join by invite token. */
import { authenticate, hasOzPrivilege, type Caller } from '../auth.ts';
import { err, fail } from '../errors.ts';
import { created, noContent, objectBody, ok, type Ctx, type Router } from '../http.ts';
import { randomId } from '../ids.ts';
import { checkInvite, markUsed } from '../invites.ts';
import { directGroups, effectiveGroups, isEffectiveGroupMember } from '../membership.ts';
import type { Group } from '../model.ts';
import { assertValidName } from '../names.ts';
import { GROUP_ADMIN, GROUP_MANAGER, GROUP_MEMBER } from '../privileges.ts';
import { validateBody } from '../schemas.ts';
import { groupJson, requireGroup, requireGroupPrivilege, zoneUrl } from './common.ts';

/** Creates a group with the caller as a direct member holding all group privileges. */
function createGroup(ctx: Ctx, caller: Caller): Group {
  const body = validateBody('groupCreate', objectBody(ctx));
  const group: Group = {
    id: randomId(),
    name: assertValidName(body['name']),
    type: (body['type'] as Group['type'] | undefined) ?? 'team',
    creationTime: ctx.sim.nowS(),
    creator: { type: 'user', id: caller.userId },
    users: new Map([[caller.userId, ctx.sim.relation(GROUP_ADMIN)]]),
    children: new Map(),
  };
  ctx.sim.state.groups.set(group.id, group);
  return group;
}

function viewableGroup(ctx: Ctx, caller: Caller, id: string | undefined): Group {
  const group = requireGroup(ctx, id);
  if (!hasOzPrivilege(ctx, caller, 'oz_groups_view') && !isEffectiveGroupMember(ctx.sim.state, caller.userId, group.id)) fail(err.forbidden());
  return group;
}

export function registerOnezoneGroups(router: Router): void {
  router.on('GET', '/groups/privileges', () => ok({ admin: GROUP_ADMIN, manager: GROUP_MANAGER, member: GROUP_MEMBER }));

  router.on('POST', '/user/groups', (ctx) => {
    const group = createGroup(ctx, authenticate(ctx, 'onezone'));
    return created(zoneUrl(ctx, `/user/groups/${group.id}`));
  });

  router.on('POST', '/groups/:id/children', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    const parent = requireGroup(ctx, ctx.params['id']);
    if (!(hasOzPrivilege(ctx, caller, 'oz_groups_create') && hasOzPrivilege(ctx, caller, 'oz_groups_add_relationships'))) {
      requireGroupPrivilege(ctx, caller, parent.id, 'group_add_child');
    }
    const child = createGroup(ctx, caller);
    parent.children.set(child.id, ctx.sim.relation(GROUP_MEMBER));
    return created(zoneUrl(ctx, `/groups/${parent.id}/children/${child.id}`));
  });

  router.on('GET', '/groups/:id', (ctx) => ok(groupJson(viewableGroup(ctx, authenticate(ctx, 'onezone'), ctx.params['id']))));

  router.on('PATCH', '/groups/:id', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    const group = requireGroup(ctx, ctx.params['id']);
    requireGroupPrivilege(ctx, caller, group.id, 'group_update', 'oz_groups_update');
    const body = validateBody('groupUpdate', objectBody(ctx));
    if (body['name'] === undefined && body['type'] === undefined) fail(err.missingAtLeastOneValue(['name', 'type']));
    if (body['name'] !== undefined) group.name = assertValidName(body['name']);
    if (body['type'] !== undefined) group.type = body['type'] as Group['type'];
    return noContent();
  });

  router.on('DELETE', '/groups/:id', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    const group = requireGroup(ctx, ctx.params['id']);
    requireGroupPrivilege(ctx, caller, group.id, 'group_delete', 'oz_groups_delete');
    const { state } = ctx.sim;
    state.groups.delete(group.id);
    for (const other of state.groups.values()) other.children.delete(group.id);
    for (const space of state.spaces.values()) space.groups.delete(group.id);
    return noContent();
  });

  router.on('GET', '/groups/:id/children', (ctx) => {
    const group = viewableGroup(ctx, authenticate(ctx, 'onezone'), ctx.params['id']);
    return ok({ groups: [...group.children.keys()] });
  });

  router.on('GET', '/groups/:id/children/:cid', (ctx) => {
    const group = viewableGroup(ctx, authenticate(ctx, 'onezone'), ctx.params['id']);
    const child = group.children.has(String(ctx.params['cid'])) ? ctx.sim.state.groups.get(String(ctx.params['cid'])) : undefined;
    if (!child) fail(err.notFound());
    return ok(groupJson(child));
  });

  router.on('DELETE', '/groups/:id/children/:cid', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    const group = requireGroup(ctx, ctx.params['id']);
    requireGroupPrivilege(ctx, caller, group.id, 'group_remove_child', 'oz_groups_remove_relationships');
    const cid = String(ctx.params['cid']);
    if (!group.children.delete(cid)) fail(err.relationDoesNotExist('group', cid, 'group', group.id));
    return noContent();
  });

  router.on('GET', '/groups/:id/users', (ctx) => {
    const group = viewableGroup(ctx, authenticate(ctx, 'onezone'), ctx.params['id']);
    return ok({ users: [...group.users.keys()] });
  });

  router.on('GET', '/user/groups', (ctx) => ok({ groups: directGroups(ctx.sim.state, authenticate(ctx, 'onezone').userId) }));
  router.on('GET', '/user/effective_groups', (ctx) => ok({ groups: effectiveGroups(ctx.sim.state, authenticate(ctx, 'onezone').userId) }));

  router.on('POST', '/user/groups/join', (ctx) => {
    const caller = authenticate(ctx, 'onezone');
    const body = validateBody('tokenOnly', objectBody(ctx));
    const invite = checkInvite(ctx.sim, String(body['token']), 'userJoinGroup');
    const group = requireGroup(ctx, invite.targetId);
    if (group.users.has(caller.userId)) fail(err.relationAlreadyExists('user', caller.userId, 'group', group.id));
    group.users.set(caller.userId, ctx.sim.relation(invite.privileges));
    markUsed(invite);
    return created(zoneUrl(ctx, `/user/groups/${group.id}`));
  });
}
