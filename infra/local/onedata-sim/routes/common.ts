/** Helpers shared by the Onezone route modules: lookups, privilege gates, JSON views. */
import { hasOzPrivilege, type Caller } from '../auth.ts';
import { err, fail } from '../errors.ts';
import type { Ctx } from '../http.ts';
import { groupPrivileges, spacePrivileges } from '../membership.ts';
import type { Group, Space } from '../model.ts';
import type { Sim } from '../sim.ts';

export const zoneUrl = (ctx: Ctx, path: string): string => `${ctx.sim.zoneUrl}/api/v3/onezone${path}`;

export function requireSpace(ctx: Ctx, id: string | undefined): Space {
  const space = id === undefined ? undefined : ctx.sim.state.liveSpace(id);
  if (!space) fail(err.notFound());
  return space;
}

export function requireGroup(ctx: Ctx, id: string | undefined): Group {
  const group = id === undefined ? undefined : ctx.sim.state.groups.get(id);
  if (!group) fail(err.notFound());
  return group;
}

/** Throws `403 forbidden` unless the caller has `privilege` in the space (or the Onezone admin privilege). */
export function requireSpacePrivilege(ctx: Ctx, caller: Caller, spaceId: string, privilege: string, ozPrivilege?: string): void {
  if (ozPrivilege && hasOzPrivilege(ctx, caller, ozPrivilege)) return;
  if (!spacePrivileges(ctx.sim.state, caller.userId, spaceId)?.has(privilege)) fail(err.forbidden());
}

export function requireGroupPrivilege(ctx: Ctx, caller: Caller, groupId: string, privilege: string, ozPrivilege?: string): void {
  if (ozPrivilege && hasOzPrivilege(ctx, caller, ozPrivilege)) return;
  if (!groupPrivileges(ctx.sim.state, caller.userId, groupId)?.has(privilege)) fail(err.forbidden());
}

/** A privilege list from a body: only names from `allowed`, else `badValueListNotAllowed`. */
export function privilegeList(value: unknown, allowed: readonly string[], key = 'privileges'): string[] {
  const list = value as string[];
  if (list.some((p) => !allowed.includes(p))) fail(err.badValueListNotAllowed(key, [...allowed]));
  return [...new Set(list)];
}

export function spaceJson(sim: Sim, space: Space): Record<string, unknown> {
  const supports = sim.zoneSupports(space.id);
  return {
    spaceId: space.id,
    name: space.name,
    description: space.description,
    organizationName: space.organizationName,
    tags: space.tags,
    advertisedInMarketplace: space.advertisedInMarketplace,
    marketplaceContactEmail: space.marketplaceContactEmail,
    providers: Object.fromEntries(supports.map((s) => [s.providerId, s.size])),
    supportParametersRegistry: Object.fromEntries(
      supports.map((s) => [
        s.providerId,
        {
          accountingEnabled: s.accountingEnabled,
          dirStatsServiceEnabled: s.dirStatsServiceEnabled,
          dirStatsServiceStatus: s.dirStatsServiceEnabled ? 'enabled' : 'disabled',
        },
      ]),
    ),
    creator: space.creator,
    creationTime: space.creationTime,
  };
}

export function groupJson(group: Group): Record<string, unknown> {
  const out: Record<string, unknown> = { groupId: group.id, name: group.name, type: group.type, creationTime: group.creationTime };
  if (group.creator) out['creator'] = group.creator;
  return out;
}

export const AVAILABLE_SPACE_TAGS: Record<string, string[]> = {
  general: ['archival', 'big-data', 'demo', 'experiment', 'open-data', 'simulation', 'test'],
  domains: ['biology', 'chemistry', 'earth-science', 'medicine', 'physics', 'science'],
};
