/** Oneprovider request helpers: authentication with the "supported user" gate, space visibility, file id resolution. */
import { authenticate, requireSupportedUser, type Caller } from '../auth.ts';
import { err, fail } from '../errors.ts';
import { spaceRoot } from '../files.ts';
import type { Ctx } from '../http.ts';
import { decodeFileId } from '../ids.ts';
import { spacePrivileges } from '../membership.ts';
import type { FileNode, Space, Support } from '../model.ts';

export const providerUrl = (ctx: Ctx, path: string): string => `${ctx.provider.url}/api/v3/oneprovider${path}`;

export function authenticateProvider(ctx: Ctx, dataApi = false): Caller {
  const caller = authenticate(ctx, 'oneprovider', dataApi);
  requireSupportedUser(ctx, caller);
  return caller;
}

/** The space as this provider sees it; `400 spaceNotSupportedBy` before the support has propagated. */
export function visibleSpace(ctx: Ctx, spaceId: string): { space: Space; support: Support } {
  const support = ctx.sim.visibleSupport(ctx.provider, spaceId);
  const space = ctx.sim.state.spaces.get(spaceId);
  if (!support || !space) fail(err.spaceNotSupportedBy(spaceId, ctx.provider.id));
  return { space, support };
}

/** The caller's privileges in the space as this provider knows them (older edges only). */
export function providerPrivileges(ctx: Ctx, caller: Caller, spaceId: string): Set<string> | null {
  return spacePrivileges(ctx.sim.state, caller.userId, spaceId, ctx.sim.providerFilter());
}

export function requireMember(ctx: Ctx, caller: Caller, spaceId: string, privilege?: string): void {
  const privileges = providerPrivileges(ctx, caller, spaceId);
  if (!privileges || (privilege !== undefined && !privileges.has(privilege))) fail(err.forbidden());
}

function fileOf(ctx: Ctx, spaceId: string, uuid: string): FileNode {
  visibleSpace(ctx, spaceId);
  const node = ctx.sim.state.spaceFiles(spaceId).get(uuid);
  if (!node) fail(err.posix('enoent'));
  return node;
}

/**
 * A `{id}` path parameter: a file ObjectId or the id of a space this provider supports (its root dir).
 * Anything else is `400 spaceNotSupportedBy {spaceId: <value>}`, as op-worker rewrites bad ids.
 */
export function resolvePathId(ctx: Ctx, id: string): FileNode {
  const ref = decodeFileId(id);
  if (ref) return fileOf(ctx, ref.spaceId, ref.uuid);
  visibleSpace(ctx, id);
  return spaceRoot(ctx.sim, id);
}

/** A file id sent in a body field: must be a well-formed ObjectId (`badValueIdentifier {key}`). */
export function resolveBodyFileId(ctx: Ctx, value: unknown, key: string): FileNode {
  const ref = typeof value === 'string' ? decodeFileId(value) : null;
  if (!ref) fail(err.badValueIdentifier(key));
  return fileOf(ctx, ref.spaceId, ref.uuid);
}
