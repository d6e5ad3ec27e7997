import { randomUUID } from 'node:crypto';
import type { S3odConfig } from '../config/schema.ts';
import { withSectionAllowance } from '../lifecycle/section-allowance.ts';
import { readMetadataFile } from '../metadata/read-file.ts';
import type { SpaceSupportDetails, UpdateSpaceSupportRequest } from '../onedata/index.ts';
import { datasetPublication, publishMetadata } from '../provisioning/publish-metadata.ts';
import type { ImportFreezeJob } from '../queue/jobs.ts';
import type { DatasetState, ProvisioningOutputs } from '../state/dataset-state.ts';
import { LeaseLostError, type VersionedState } from '../state/state-store.ts';
import { storageModeFor } from '../storage-modes/index.ts';
import type { ImportDeps } from './context.ts';

/** Onepanel refuses support sizes below 1 MiB. */
export const MIN_SUPPORT_SIZE = 1024 * 1024;

/**
 * `busy`: another worker holds the dataset's lease; the job was queued again for when it runs out.
 * `superseded`: `.running` is back (the dataset grows again): this removal's freeze no longer applies.
 */
export type FreezeOutcome = 'frozen' | 'waiting' | 'busy' | 'done-before' | 'superseded' | 'not-provisioned';

/**
 * The `.running` marker was removed: "freeze" the dataset as fs2od did, once per removal, after a
 * final import pass — but wait for that pass for real (fs2od waited ~20 s and then shrank the
 * support to a partial size):
 * 1. the storage mode's final import pass (posix: a forced scan, polled with delayed jobs until
 *    it ends; s3: a listing of the folder, which comes back here with `scanStarted` set);
 * 2. continuous scanning off, where the support scans continuously (posix), as fs2od did;
 * 3. shrink the support to the occupied size (at least 1 MiB), if configured;
 * 4. refresh the share description and the JSON metadata from the final metadata file.
 *
 * Delivery is at least once, and a job may fail half-way. So the actions run under the dataset's
 * lease (one worker at a time; a dead worker's lease runs out), the freeze counts as done only
 * when `frozenAt` is recorded for its key, and a redelivered job resumes an unfinished one,
 * skipping what is recorded (the shrink) or seen (continuous scanning already off) as done.
 */
export async function freezeDataset(deps: ImportDeps, job: ImportFreezeJob): Promise<FreezeOutcome> {
  const vs = await deps.states.read(job.dataset.id);
  const s = vs?.state;
  if (!s || s.status !== 'provisioned' || !s.outputs.spaceId) return 'not-provisioned';
  if (isFrozenFor(s, job.freezeKey)) return 'done-before';
  if (s.import.growing === true) return 'superseded';

  if ((await storageModeFor(deps.config).finalImportPass(deps, job, s.outputs.spaceId)) === 'waiting') return 'waiting';

  const owner = randomUUID();
  const claim = await claimFreeze(deps, job, owner, vs);
  if ('busyUntil' in claim) {
    // The job comes back when the holder's lease runs out, not after the queue's long visibility timeout.
    await deps.enqueue(job, secondsUntil(deps, claim.busyUntil));
    return 'busy';
  }
  try {
    // A duplicate finished it between our read and our lease.
    if (isFrozenFor(claim.state, job.freezeKey)) {
      await releaseLease(deps, job, owner);
      return 'done-before';
    }
    // The marker came back while the final pass ran (minutes, in posix): shrinking now would leave
    // a growing dataset with the occupied size as its quota, and no continuous scanning.
    if (claim.state.import.growing === true) {
      await releaseLease(deps, job, owner);
      return 'superseded';
    }
    const size = await freezeActions(deps, job, owner, claim.state);
    deps.log.info('dataset frozen', { dataset: job.dataset.prefix, supportSize: size });
    return 'frozen';
  } catch (e) {
    // Free the dataset for the redelivery at once; if even this fails, the lease runs out.
    await releaseLease(deps, job, owner).catch(() => undefined);
    throw e;
  }
}

/** A freeze is done only when it recorded its end: a claimed freeze that failed half-way is not. */
function isFrozenFor(s: DatasetState, freezeKey: string): boolean {
  return s.import.frozenFor === freezeKey && s.import.frozenAt !== undefined;
}

/**
 * Takes the dataset's lease and, with the same write, claims the freeze for this removal: a new
 * key starts afresh (the last freeze's end and size are of another removal); the same key keeps
 * what its earlier attempt recorded, so the attempt resumes.
 */
async function claimFreeze(
  deps: ImportDeps,
  job: ImportFreezeJob,
  owner: string,
  known: VersionedState | undefined,
): Promise<{ busyUntil: string } | { state: DatasetState }> {
  const leased = await deps.states.acquireLease(
    job.dataset,
    owner,
    leaseMs(deps.config),
    undefined,
    (st) => {
      if (st.import.frozenFor === job.freezeKey) return;
      st.import.frozenFor = job.freezeKey;
      delete st.import.frozenAt;
      delete st.import.frozenSize;
    },
    known,
  );
  return 'busy' in leased ? { busyUntil: leased.busy.expiresAt } : { state: leased.state };
}

/** Steps 2-4 on the claimed record; returns the support size it froze at (undefined when it does not shrink). */
async function freezeActions(deps: ImportDeps, job: ImportFreezeJob, owner: string, s: DatasetState): Promise<number | undefined> {
  const spaceId = s.outputs.spaceId!;
  const support = await deps.onedata.panel.getSpaceSupport(spaceId);
  await stopContinuousScan(deps, spaceId, support);
  const size = await shrinkSupport(deps, job, owner, s, support);
  const published = await publishFinalMetadata(deps, job, s);
  await recordUnderLease(deps, job, owner, (st) => {
    Object.assign(st.outputs, published);
    st.import.growing = false;
    st.import.frozenAt = new Date(deps.now?.() ?? Date.now()).toISOString();
    if (size !== undefined) st.import.frozenSize = size;
    delete st.lease;
  });
  return size;
}

/**
 * fs2od switched continuous scanning off when `.running` disappeared: a frozen dataset is not
 * rescanned every `scanInterval`. Only a support that scans continuously is touched (posix; an s3
 * support imports manually and has nothing to switch), and the other import settings are sent as
 * they are. It runs after the final scan has ended, so the "last run finished" that fs2od waited
 * for holds; a resumed freeze finds it off and sends nothing.
 */
async function stopContinuousScan(deps: ImportDeps, spaceId: string, support: SpaceSupportDetails): Promise<void> {
  const current = support.storageImport?.autoStorageImportConfig;
  if (support.storageImport?.mode !== 'auto' || current?.continuousScan !== true) return;
  await deps.onedata.panel.updateSpaceSupport(spaceId, { autoStorageImportConfig: { ...current, continuousScan: false } });
}

/**
 * Shrinks the support to the occupied size (at least 1 MiB), if configured, and records the size
 * at once: a resumed freeze finds it recorded for its key and does not shrink again.
 */
async function shrinkSupport(
  deps: ImportDeps,
  job: ImportFreezeJob,
  owner: string,
  s: DatasetState,
  support: SpaceSupportDetails,
): Promise<number | undefined> {
  if (!deps.config.import.shrinkOnFreeze) return undefined;
  if (s.import.frozenSize !== undefined) return s.import.frozenSize;
  const size = Math.max(MIN_SUPPORT_SIZE, support.spaceOccupancy ?? 0);
  await deps.onedata.panel.updateSpaceSupport(s.outputs.spaceId!, { size });
  await recordUnderLease(deps, job, owner, (st) => {
    st.import.frozenSize = size;
  });
  return size;
}

/** The share description and JSON metadata from the final metadata file (upserts: repeating them is harmless). */
async function publishFinalMetadata(
  deps: ImportDeps,
  job: ImportFreezeJob,
  s: DatasetState,
): Promise<Pick<ProvisioningOutputs, 'publishedMetadataHash' | 'shareFileId'>> {
  const metaKey = `${job.dataset.prefix}/${s.metadataFile ?? deps.config.metadataFiles[0]}`;
  // With the allowance of our own section: the write-back may have taken the file past the limit.
  const file = await readMetadataFile(deps.objects, withSectionAllowance(deps.config, s.outputs), metaKey);
  if (!file?.ok || !s.outputs.rootFileId) return {};
  // A share described before its own file id was recorded: looked up, so the description keeps its download command.
  const shareFileId = s.outputs.shareId && !s.outputs.shareFileId ? (await deps.onedata.provider.getShare(s.outputs.shareId)).rootFileId : undefined;
  const outputs = shareFileId ? { ...s.outputs, shareFileId } : s.outputs;
  const publication = datasetPublication(deps.config, file.doc, outputs, s.outputs.onedataName ?? job.dataset.name);
  const published = await publishMetadata(deps, publication, { rootFileId: s.outputs.rootFileId, shareId: s.outputs.shareId });
  return shareFileId ? { ...published, shareFileId } : published;
}

/**
 * Records progress with compare-and-swap (importers write the same record) while the lease is
 * still this worker's, renewing it; once another worker holds it, this one stops (LeaseLostError).
 */
async function recordUnderLease(deps: ImportDeps, job: ImportFreezeJob, owner: string, edit: (st: DatasetState) => void): Promise<void> {
  await deps.states.update(job.dataset, (st) => {
    if (st.lease?.owner !== owner) throw new LeaseLostError(`the freeze of ${job.dataset.prefix} passed to another worker`);
    st.lease.expiresAt = new Date(deps.states.now().getTime() + leaseMs(deps.config)).toISOString();
    edit(st);
  });
}

async function releaseLease(deps: ImportDeps, job: ImportFreezeJob, owner: string): Promise<void> {
  await deps.states.update(job.dataset, (st) => {
    if (st.lease?.owner !== owner) return false;
    delete st.lease;
  });
}

/** The lease the provisioning saga and the lifecycle pass take too: the freeze is a few calls. */
function leaseMs(config: S3odConfig): number {
  return config.provisioning.leaseSeconds * 1000;
}

/** Delay until a lease runs out, as SQS takes it (1-900 s). */
function secondsUntil(deps: ImportDeps, expiresAt: string): number {
  const seconds = Math.ceil((Date.parse(expiresAt) - deps.states.now().getTime()) / 1000) + 1;
  return Math.min(900, Math.max(1, seconds));
}

/**
 * The `.running` marker is back after a freeze (fs2od's "enable" path): the support gets its full
 * size back (if freezes shrink it) and, where it was supported with continuous scanning (posix),
 * continuous scanning with the settings it was supported with. One PATCH; repeating it (a
 * duplicate creation event) changes nothing. `frozenFor` rather than `frozenAt`: a freeze that
 * stopped half-way may have shrunk the support or stopped its scans already.
 */
export async function thawDataset(deps: ImportDeps, state: DatasetState | undefined): Promise<'thawed' | 'not-frozen'> {
  if (state?.status !== 'provisioned' || !state.outputs.spaceId || state.import.frozenFor === undefined) return 'not-frozen';
  const req = thawRequest(deps.config);
  if (!req) return 'not-frozen';
  await deps.onedata.panel.updateSpaceSupport(state.outputs.spaceId, req);
  return 'thawed';
}

/** What a freeze changed on the support, as the support had it before; undefined when nothing. */
function thawRequest(config: S3odConfig): UpdateSpaceSupportRequest | undefined {
  const req: UpdateSpaceSupportRequest = {};
  if (config.import.shrinkOnFreeze) req.size = config.implicitSpaceSize;
  const supported = storageModeFor(config).supportImport(config).autoStorageImportConfig;
  if (supported?.continuousScan) req.autoStorageImportConfig = supported;
  return Object.keys(req).length > 0 ? req : undefined;
}

export function freezeJobFor(dataset: ImportFreezeJob['dataset'], freezeKey: string): ImportFreezeJob {
  return { type: 'import-freeze', dataset, freezeKey, dedupKey: `freeze:${dataset.id}:${freezeKey}`, correlationId: randomUUID() };
}
