/**
 * Effective membership and privileges. Members of a child group are effective members of its parents;
 * a user's privileges in a space are the union of the direct grant and the grants of every space group
 * the user effectively belongs to. A `RelationFilter` restricts the graph to edges a provider already
 * knows about (eventual consistency).
 */
import type { Relation } from './model.ts';
import type { SimState } from './state.ts';

export type RelationFilter = (r: Relation) => boolean;
export const ALL_RELATIONS: RelationFilter = () => true;

export function isEffectiveGroupMember(
  state: SimState,
  userId: string,
  groupId: string,
  filter: RelationFilter = ALL_RELATIONS,
  seen = new Set<string>(),
): boolean {
  if (seen.has(groupId)) return false;
  seen.add(groupId);
  const group = state.groups.get(groupId);
  if (!group) return false;
  const direct = group.users.get(userId);
  if (direct && filter(direct)) return true;
  for (const [childId, rel] of group.children) {
    if (filter(rel) && isEffectiveGroupMember(state, userId, childId, filter, seen)) return true;
  }
  return false;
}

/** The user's effective privileges in a group, or null when not an effective member. */
export function groupPrivileges(state: SimState, userId: string, groupId: string, filter: RelationFilter = ALL_RELATIONS): Set<string> | null {
  const group = state.groups.get(groupId);
  if (!group) return null;
  let result: Set<string> | null = null;
  const direct = group.users.get(userId);
  if (direct && filter(direct)) result = new Set(direct.privileges);
  for (const [childId, rel] of group.children) {
    if (filter(rel) && isEffectiveGroupMember(state, userId, childId, filter)) {
      result ??= new Set();
      for (const p of rel.privileges) result.add(p);
    }
  }
  return result;
}

/** The user's effective privileges in a (live) space, or null when not an effective member. */
export function spacePrivileges(state: SimState, userId: string, spaceId: string, filter: RelationFilter = ALL_RELATIONS): Set<string> | null {
  const space = state.spaces.get(spaceId);
  if (!space) return null;
  let result: Set<string> | null = null;
  const direct = space.users.get(userId);
  if (direct && filter(direct)) result = new Set(direct.privileges);
  for (const [groupId, rel] of space.groups) {
    if (filter(rel) && isEffectiveGroupMember(state, userId, groupId, filter)) {
      result ??= new Set();
      for (const p of rel.privileges) result.add(p);
    }
  }
  return result;
}

/** Groups the user belongs to directly. */
export function directGroups(state: SimState, userId: string): string[] {
  return [...state.groups.values()].filter((g) => g.users.has(userId)).map((g) => g.id);
}

/** Groups the user belongs to directly or through child groups. */
export function effectiveGroups(state: SimState, userId: string): string[] {
  return [...state.groups.keys()].filter((id) => isEffectiveGroupMember(state, userId, id));
}

/** Live spaces the user reaches directly or through groups. */
export function effectiveSpaces(state: SimState, userId: string): string[] {
  return [...state.spaces.values()].filter((s) => s.deletedAtMs === undefined && spacePrivileges(state, userId, s.id) !== null).map((s) => s.id);
}

/** Would linking `childId` under `parentId` create a cycle? */
export function wouldCreateCycle(state: SimState, parentId: string, childId: string): boolean {
  if (parentId === childId) return true;
  const stack = [childId];
  const seen = new Set<string>();
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (id === parentId) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const grandChild of state.groups.get(id)?.children.keys() ?? []) stack.push(grandChild);
  }
  return false;
}
