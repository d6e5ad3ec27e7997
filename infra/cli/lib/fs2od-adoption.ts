import { isOnedataError, type OnedataClient } from '../../../shared/onedata/index.ts';
import { awaitingAdoption, type Fs2odAccess } from '../../../shared/provisioning/fs2od-access.ts';
import { addHistory, type DatasetState, type ProvisioningOutputs } from '../../../shared/state/dataset-state.ts';

export { awaitingAdoption, findFs2odAccess, type Fs2odAccess } from '../../../shared/provisioning/fs2od-access.ts';

/** What a cheap look at Onedata found about an adopted space (all optional). */
export interface SpaceLookup {
  outputs: Partial<ProvisioningOutputs>;
  notes: string[];
  /** Onedata could not be reached: stop looking for the remaining datasets. */
  unreachable?: boolean;
}

/**
 * A few reads (no writes) that fill in ids for the record: the space's name, the storage that
 * supports it on the primary provider, and its share when it has exactly one. The space root's
 * file id is deliberately not recorded: with it s3od would re-publish fs2od's JSON metadata and
 * share description whenever the metadata file changes; adopted datasets keep what fs2od published.
 */
export async function lookUpAdoptedSpace(od: OnedataClient, spaceId: string): Promise<SpaceLookup> {
  const outputs: Partial<ProvisioningOutputs> = {};
  const notes: string[] = [];
  try {
    const space = await od.zone.getSpace(spaceId);
    outputs.onedataName = space.name;
  } catch (e) {
    if (isOnedataError(e) && e.status === 0) return { outputs, notes: [`Onedata not reachable (${e.id}); no lookups`], unreachable: true };
    notes.push(`space ${spaceId} not found in Onezone or not visible to the token (${isOnedataError(e) ? e.id : (e as Error).message})`);
    return { outputs, notes };
  }
  await od.panel
    .getSpaceSupport(spaceId)
    .then((support) => {
      outputs.storageId = support.storageId;
      outputs.supported = true;
    })
    .catch(() => notes.push('not supported by the primary Oneprovider'));
  await od.zone
    .listSpaceShares(spaceId)
    .then(async (shares) => {
      if (shares.length === 1) {
        outputs.shareId = shares[0]!;
        const share = await od.zone.getShare(shares[0]!).catch(() => undefined);
        if (share?.publicUrl) outputs.publicUrl = share.publicUrl;
      } else if (shares.length > 1) notes.push(`${shares.length} shares; none recorded`);
    })
    .catch(() => undefined);
  return { outputs, notes };
}

/**
 * Turns a fresh record — or one that provisioning refused because the file names fs2od's space
 * (`awaitingAdoption`) — into the record of a dataset fs2od provisioned. Returns false (nothing to
 * write) otherwise: s3od started on the dataset meanwhile, and its record wins.
 */
export function adoptInto(
  s: DatasetState,
  input: { access: Fs2odAccess; metadataFile: string; metadataEtag: string; lookup?: Partial<ProvisioningOutputs>; notes?: string[] },
  now = new Date(),
): boolean {
  const fresh = s.attempts === 0 && s.history.length === 0 && s.status === 'pending';
  if (!fresh && !awaitingAdoption(s)) return false;
  const { access } = input;
  delete s.lastError;
  delete s.failureReason;
  s.status = 'provisioned';
  s.metadataFile = input.metadataFile;
  // The version fs2od wrote: its repeated event costs one read and changes nothing.
  s.metadataEtag = input.metadataEtag;
  s.outputs = {
    ...input.lookup,
    spaceId: access.space,
    ...(access.inviteToken ? { inviteToken: access.inviteToken } : {}),
    ...(access.publicURL ? { publicUrl: access.publicURL } : input.lookup?.publicUrl ? { publicUrl: input.lookup.publicUrl } : {}),
    // Its section is already in place; s3od does not rewrite it.
    writtenBack: true,
  };
  s.provisionedAt = now.toISOString();
  const detail = [`space ${access.space} from ${access.source}`, ...(input.notes ?? [])].join('; ');
  addHistory(s, 'adopted from fs2od', detail, now);
  return true;
}
