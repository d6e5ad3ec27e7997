/**
 * Invite tokens: who may issue them (the "invite" privilege in the target) and how they are consumed
 * (support, group join), with the errors the server wraps in `badValueToken {key:"token", tokenError}`.
 */
import { verifyToken } from './auth.ts';
import { checkInviteCaveats } from './caveats.ts';
import { err, fail, type ErrorJson } from './errors.ts';
import { groupPrivileges, spacePrivileges } from './membership.ts';
import type { NamedToken } from './model.ts';
import { GROUP_ADMIN, GROUP_MEMBER, SPACE_ADMIN, SPACE_MEMBER } from './privileges.ts';
import type { Sim } from './sim.ts';
import { INVITE_TYPES, type InviteTypeInfo } from './tokens.ts';

/** Privileges the subject holds in the invite target, or null when the target does not exist. */
function subjectPrivileges(sim: Sim, userId: string, info: InviteTypeInfo, targetId: string): Set<string> | null {
  if (info.targetKind === 'space') return sim.state.liveSpace(targetId) ? (spacePrivileges(sim.state, userId, targetId) ?? new Set()) : null;
  if (info.targetKind === 'group') return sim.state.groups.has(targetId) ? (groupPrivileges(sim.state, userId, targetId) ?? new Set()) : null;
  return null;
}

export function allowedPrivileges(info: InviteTypeInfo): string[] {
  return info.targetKind === 'space' ? SPACE_ADMIN : GROUP_ADMIN;
}

export function defaultPrivileges(info: InviteTypeInfo): string[] {
  return info.targetKind === 'space' ? [...SPACE_MEMBER] : [...GROUP_MEMBER];
}

/** Throws `403 forbidden` unless `userId` may issue this invitation (and set custom privileges, if asked). */
export function assertMayInvite(sim: Sim, userId: string, inviteType: string, targetId: string, customPrivileges: boolean): void {
  const info = INVITE_TYPES[inviteType];
  const privileges = info ? subjectPrivileges(sim, userId, info, targetId) : null;
  if (!info || !privileges || !info.invitePrivilege || !privileges.has(info.invitePrivilege)) fail(err.forbidden());
  if (customPrivileges && info.setPrivilege && !privileges.has(info.setPrivilege)) fail(err.forbidden());
}

export interface ConsumedInvite {
  subjectUserId: string;
  targetId: string;
  privileges: string[];
  named?: NamedToken;
}

/**
 * Verifies an invite token sent in a request body for `expectedType`. Does not count the use; call
 * `markUsed` once the operation succeeded.
 */
export function checkInvite(sim: Sim, serialized: string, expectedType: string): ConsumedInvite {
  const bad = (tokenError: ErrorJson): never => fail(err.badValueToken('token', tokenError));
  const verified = verifyToken(sim, serialized);
  if ('description' in verified) return bad(verified);
  const type = verified.type;
  if (!('inviteToken' in type) || type.inviteToken.inviteType !== expectedType) return bad(err.notAnInviteToken(expectedType, type));
  const caveatError = checkInviteCaveats(verified.caveats, sim.nowS());
  if (caveatError) return bad(caveatError);
  const named = verified.named;
  if (named && named.usageLimit !== 'infinity' && named.usageCount >= named.usageLimit) return bad(err.inviteTokenUsageLimitReached());
  const info = INVITE_TYPES[expectedType] as InviteTypeInfo;
  const targetId = String(type.inviteToken[info.targetKey]);
  const privileges = subjectPrivileges(sim, verified.subjectUserId, info, targetId);
  if (!privileges) return bad(err.inviteTokenTargetIdInvalid(targetId));
  if (!info.invitePrivilege || !privileges.has(info.invitePrivilege)) return bad(err.inviteTokenSubjectNotAuthorized());
  const result: ConsumedInvite = {
    subjectUserId: verified.subjectUserId,
    targetId,
    privileges: named?.privileges ?? defaultPrivileges(info),
  };
  if (named) result.named = named;
  return result;
}

export function markUsed(invite: ConsumedInvite): void {
  if (invite.named) invite.named.usageCount++;
}
