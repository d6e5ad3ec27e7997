/**
 * Issuing and revoking `s3od access` tokens, and recording them in the dataset's record (ids only,
 * never the token). See docs/access.md.
 *
 * Order when issuing: create the token → record its id (compare-and-swap) → only then is it
 * printed. If the record cannot be written the token is revoked at once, so no token exists that
 * `s3od access --revoke` would not know about. A create whose answer was lost is found by its name
 * on the retry (`badValueIdentifierOccupied`): it was never printed, so it is revoked and the next
 * name taken.
 */
import { registerSecret } from '../../../shared/log/index.ts';
import { hasErrorId, isNotFound } from '../../../shared/onedata/errors.ts';
import type { OnezoneApi } from '../../../shared/onedata/onezone.ts';
import { addHistory, type AccessGrant, type DatasetState } from '../../../shared/state/dataset-state.ts';
import type { StateStore } from '../../../shared/state/state-store.ts';
import { accessCaveats, accessTokenName, describeCaveats } from './access-token.ts';
import { CommandFailed } from './io.ts';

/** Custom metadata key that marks a token as this dataset's (so a lost-answer orphan is recognised as ours). */
export const DATASET_MARK = 's3odDataset';
/** How many taken names to step over before giving up. */
const NAME_ATTEMPTS = 5;

export interface AccessDeps {
  zone: OnezoneApi;
  states: StateStore;
  now?: () => Date;
}

export interface ProviderChoice {
  url: string;
  providerId: string;
  name?: string;
}

export interface IssuedAccess {
  grant: AccessGrant;
  /** The serialized token: printed once by the command, never stored. */
  token: string;
}

export async function issueAccessToken(
  deps: AccessDeps,
  state: DatasetState,
  opts: { provider: ProviderChoice; ttlSeconds: number; oneclientOnly: boolean },
): Promise<IssuedAccess> {
  const now = (deps.now ?? (() => new Date()))();
  const spaceId = state.outputs.spaceId!;
  const validUntil = Math.floor(now.getTime() / 1000) + opts.ttlSeconds;
  const caveats = accessCaveats({ spaceId, validUntil, oneclientOnly: opts.oneclientOnly });
  const recorded = new Set((state.access ?? []).map((g) => g.tokenId));
  let n = (state.access?.length ?? 0) + 1;
  let created: { tokenId: string; token: string; name: string } | undefined;
  for (let attempt = 0; attempt < NAME_ATTEMPTS && !created; attempt++, n++) {
    const name = accessTokenName(state.outputs.onedataName ?? spaceId, n);
    try {
      const t = await deps.zone.createAccessToken({ name, caveats, customMetadata: { [DATASET_MARK]: state.dataset.id, s3odAccess: true, spaceId } });
      created = { ...t, name };
    } catch (e) {
      if (!hasErrorId(e, 'badValueIdentifierOccupied')) throw e;
      const existing = await deps.zone.getNamedTokenByName(name);
      // Ours and unrecorded: the answer of an earlier create was lost, so it was never handed out.
      if (existing && existing.metadata?.custom?.[DATASET_MARK] === state.dataset.id && !recorded.has(existing.tokenId) && !existing.revoked) {
        await deps.zone.revokeNamedToken(existing.tokenId);
      }
    }
  }
  if (!created)
    throw new CommandFailed(`no free token name after ${NAME_ATTEMPTS} tries (s3od-access-<n>_…): revoke or delete old tokens of the service user in Onezone`);
  registerSecret(created.token);
  const grant: AccessGrant = {
    tokenId: created.tokenId,
    name: created.name,
    issuedAt: now.toISOString(),
    expiresAt: new Date(validUntil * 1000).toISOString(),
    providerUrl: opts.provider.url,
    providerId: opts.provider.providerId,
    caveats: describeCaveats(caveats),
  };
  try {
    await deps.states.update(state.dataset, (s) => {
      (s.access ??= []).push(grant);
      addHistory(s, 'access token issued', `${grant.name} (id ${grant.tokenId}), until ${grant.expiresAt}`, now);
    });
  } catch (e) {
    // Unrecorded means unrevocable by s3od: take it back before anyone sees it.
    await deps.zone.revokeNamedToken(created.tokenId).catch(() => undefined);
    throw new CommandFailed(`the token could not be recorded in the dataset's record, so it was revoked again: ${(e as Error).message}`);
  }
  return { grant, token: created.token };
}

export interface RevokeResult {
  revoked: AccessGrant[];
  /** Gone from Onezone already (deleted there): recorded as revoked. */
  missing: AccessGrant[];
}

/**
 * Revokes the dataset's recorded tokens (one by id, or all not yet revoked). Only tokens s3od
 * recorded for this dataset: an id from elsewhere is refused, so the command cannot be pointed at
 * any token the service user owns.
 */
export async function revokeAccessTokens(deps: AccessDeps, state: DatasetState, tokenId?: string): Promise<RevokeResult> {
  const now = (deps.now ?? (() => new Date()))();
  const grants = state.access ?? [];
  let targets: AccessGrant[];
  if (tokenId !== undefined) {
    const g = grants.find((x) => x.tokenId === tokenId);
    if (!g) throw new CommandFailed(`no access token with id ${tokenId} was issued for this dataset (s3od status DATASET --json lists them under "access")`);
    targets = [g];
  } else targets = grants.filter((g) => !g.revokedAt);
  const result: RevokeResult = { revoked: [], missing: [] };
  let failure: unknown;
  for (const g of targets) {
    try {
      await deps.zone.revokeNamedToken(g.tokenId);
      result.revoked.push(g);
    } catch (e) {
      if (isNotFound(e)) result.missing.push(g);
      else {
        failure = e;
        break;
      }
    }
  }
  const done = new Set([...result.revoked, ...result.missing].map((g) => g.tokenId));
  if (done.size > 0) {
    await deps.states.update(state.dataset, (s) => {
      for (const g of s.access ?? []) if (done.has(g.tokenId)) g.revokedAt ??= now.toISOString();
      addHistory(s, 'access token revoked', [...done].join(', '), now);
    });
  }
  if (failure) throw failure;
  return result;
}
