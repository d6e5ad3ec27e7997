import { metadataParseSettings, type MetadataParseSettings, type S3odConfig } from '../../../shared/config/index.ts';
import type { DatasetRef } from '../../../shared/dataset/ref.ts';
import { parseMetadata, readAccessInfo, type AccessInfo } from '../../../shared/metadata/index.ts';
import { isOnedataError, type OnedataClient } from '../../../shared/onedata/index.ts';
import { addHistory, type DatasetState, type ProvisioningOutputs } from '../../../shared/state/dataset-state.ts';
import type { ObjectStore } from '../../../shared/storage/objects.ts';

/** Access information fs2od wrote for a dataset it provisioned, and where it was found. */
export interface Fs2odAccess extends AccessInfo {
  space: string;
  /** The object it was read from (the metadata file or `.fs2od`). */
  source: string;
}

/**
 * fs2od's mark of a provisioned dataset: a non-empty `Space` in the configured section of the
 * metadata file, or — with `fs2odMetadataFile.storeAccessInfo` — in the `.fs2od` object beside it.
 * Undefined when neither has one (a dataset s3od has to provision).
 */
export async function findFs2odAccess(
  objects: ObjectStore,
  config: S3odConfig,
  dataset: DatasetRef,
  metadata: { key: string; body: Buffer },
): Promise<Fs2odAccess | undefined> {
  const opts = metadataParseSettings(config);
  const fromMetadata = accessIn(metadata.body, opts);
  if (fromMetadata?.space) return { ...fromMetadata, space: fromMetadata.space, source: metadata.key };
  if (config.fs2odMetadataFile.storeAccessInfo) {
    const key = `${dataset.prefix}/${config.fs2odMetadataFile.filename}`;
    const obj = await objects.get(key, config.limits.metadataMaxBytes).catch(() => undefined);
    const fromFile = obj ? accessIn(obj.body, opts) : undefined;
    if (fromFile?.space) return { ...fromFile, space: fromFile.space, source: key };
  }
  return undefined;
}

function accessIn(body: Buffer, opts: MetadataParseSettings): AccessInfo | undefined {
  // An unreadable file is not evidence of anything: the saga will reject it with a reason.
  const parsed = parseMetadata(body, opts);
  return parsed.ok ? readAccessInfo(parsed.doc, opts.tags) : undefined;
}

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
 * Turns a fresh record into the record of a dataset fs2od provisioned. Returns false (nothing to
 * write) when the record is not fresh: s3od started on the dataset meanwhile, and its record wins.
 */
export function adoptInto(
  s: DatasetState,
  input: { access: Fs2odAccess; metadataFile: string; metadataEtag: string; lookup?: Partial<ProvisioningOutputs>; notes?: string[] },
  now = new Date(),
): boolean {
  if (s.attempts > 0 || s.history.length > 0 || s.status !== 'pending') return false;
  const { access } = input;
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
