/**
 * One pass of the lifecycle (issue #14): for every provisioned dataset, under its lease, follow its
 * replication (QoS status, per-provider transfer progress) and run its expiry at the facility in the
 * safe order: countdown → (reminders) → revoke the primary's support only once every file has a
 * replica elsewhere (safe-revoke.ts checks Onedata right before the call) → delete its objects from
 * the facility bucket only when `removeFromFilesystem` says so → `expired`. Run by the scheduled
 * `lifecycle` function and `s3od lifecycle run`; time comes from `deps.now`, so tests never wait.
 */
import type { S3odConfig, S3odSecrets } from '../config/schema.ts';
import { datasetId, type DatasetRef } from '../dataset/ref.ts';
import { resolveClaimedDataset } from '../dataset/trust.ts';
import { KeyClassifier } from '../events/classify.ts';
import { SecretScope, type Logger } from '../log/index.ts';
import { readMetadataFile, type MetadataFile } from '../metadata/read-file.ts';
import type { MetadataDocument, MetadataErrorCode } from '../metadata/index.ts';
import type { OnedataClient } from '../onedata/index.ts';
import { DatasetLease } from '../state/dataset-lease.ts';
import { addHistory, type DatasetState, type ExpiryState } from '../state/dataset-state.ts';
import type { StateStore } from '../state/state-store.ts';
import { writeStatusObject } from '../state/status-object.ts';
import { ObjectTooLargeError, type ObjectStore } from '../storage/objects.ts';
import { storageModeFor } from '../storage-modes/index.ts';
import { finishDareg } from '../dareg/index.ts';
import type { Mailer } from '../notifications/transport.ts';
import type { SagaRun } from '../provisioning/context.ts';
import { writeAccessInfo } from '../provisioning/access-info-write.ts';
import { followEmbargo, publicationUnfinished } from '../provisioning/embargo-gate.ts';
import { notifyDatasetReady } from '../provisioning/notify-ready.ts';
import { SHARE_STEPS } from '../provisioning/steps.ts';
import { deleteDataset } from './delete-dataset.ts';
import { ExpiryRequestError, expiryRequest, remindersDue, remindersPassed, type ExpiryRequest } from './expiry-request.ts';
import type { LifecycleProvider } from './providers.ts';
import { noteReplicationInFile } from './replication-line.ts';
import { withSectionAllowance } from './section-allowance.ts';
import { providerToAsk, readReplicationProgress } from './replication-progress.ts';
import { NotReplicatedElsewhereError, revokePrimarySupport } from './safe-revoke.ts';

/** What the people issue's notifications hook receives (reminders go out through it when it exists). */
export interface LifecycleEvent {
  event: 'expiry scheduled' | 'reminder due' | 'expired' | 'expiry cancelled';
  dataset: string;
  spaceId?: string;
  removeAt?: string;
  /** For reminders: the `timeBeforeAction` offset that fell due. */
  before?: string;
}

export interface LifecycleDeps {
  config: S3odConfig;
  secrets: S3odSecrets;
  objects: ObjectStore;
  states: StateStore;
  onedata: OnedataClient;
  providers: LifecycleProvider[];
  log: Logger;
  now: () => Date;
  /** Called under the dataset's lease, which it receives: mail records what it sent in the record (shared/notifications). */
  notify?: (e: LifecycleEvent, lease: DatasetLease) => Promise<void>;
  /** The SMTP mailer when email is enabled: the "dataset published" mail when an embargo ends. */
  mailer?: Mailer;
}

export interface LifecycleReport {
  datasets: number;
  busy: number;
  replicationChecked: number;
  /** Files that got the "every replica complete" line in our section this pass. */
  replicationLines: number;
  expiriesScheduled: number;
  reminders: number;
  waitingForReplicas: number;
  primaryRevoked: number;
  objectsDeleted: number;
  expired: number;
  cancelled: number;
  metadataRemoved: number;
  deleted: number;
  /** Datasets whose embargo ended: shared this pass. */
  published: number;
  errors: number;
}

export async function runLifecyclePass(deps: LifecycleDeps, onlyPrefix?: string): Promise<LifecycleReport> {
  const report: LifecycleReport = {
    datasets: 0,
    busy: 0,
    replicationChecked: 0,
    replicationLines: 0,
    expiriesScheduled: 0,
    reminders: 0,
    waitingForReplicas: 0,
    primaryRevoked: 0,
    objectsDeleted: 0,
    expired: 0,
    cancelled: 0,
    metadataRemoved: 0,
    deleted: 0,
    published: 0,
    errors: 0,
  };
  const classifier = new KeyClassifier(deps.config);
  for await (const state of recordsToVisit(deps, onlyPrefix)) {
    if (state.status !== 'provisioned') continue;
    if (onlyPrefix && !state.dataset.prefix.startsWith(onlyPrefix.replace(/\/+$/, ''))) continue;
    // A record is a claim like a job: its dataset is re-derived from the configuration.
    const resolved = resolveClaimedDataset(state.dataset, deps.config.bucket, classifier);
    if (!resolved.ok) {
      deps.log.warn('lifecycle skips a record whose dataset does not hold up', { reason: resolved.reason });
      continue;
    }
    report.datasets++;
    try {
      await lifecycleOfDataset(deps, resolved.dataset, report);
    } catch (e) {
      report.errors++;
      deps.log.error('lifecycle of a dataset failed; the next pass tries again', { dataset: resolved.dataset.prefix, error: e });
    }
  }
  deps.log.info('lifecycle pass done', { ...report });
  return report;
}

/**
 * Every record, or only those under `onlyPrefix`. A prefix that names one dataset (`s3od lifecycle
 * run --prefix datasets/Run1`) reads that record alone instead of every record in the bucket.
 */
async function* recordsToVisit(deps: LifecycleDeps, onlyPrefix: string | undefined): AsyncGenerator<DatasetState> {
  const prefix = onlyPrefix?.replace(/\/+$/, '');
  if (prefix) {
    const one = await deps.states.read(datasetId(deps.config.bucket, prefix));
    if (one?.state.dataset.prefix === prefix) return yield one.state;
  }
  yield* deps.states.all();
}

async function lifecycleOfDataset(deps: LifecycleDeps, dataset: DatasetRef, report: LifecycleReport): Promise<void> {
  const lease = await DatasetLease.acquire(deps.states, dataset, { ttlMs: deps.config.provisioning.leaseSeconds * 1000 });
  if (!(lease instanceof DatasetLease)) {
    report.busy++; // provisioning or another pass holds it; the next pass comes back
    return;
  }
  const log = deps.log.child({ dataset: dataset.prefix });
  const stop = lease.keepAlive();
  try {
    if (lease.record.status !== 'provisioned') return void (await lease.release());
    if (await metadataRemoved(deps, lease, report)) {
      // The policy chose deletion: the deletion saga takes the lease itself.
      await lease.release();
      stop();
      const result = await deleteDataset(deps, dataset, 'the metadata file was removed from the bucket (lifecycle.onMetadataRemoved: delete)');
      if (result.outcome === 'deleted') report.deleted++;
      return;
    }
    await publishAfterEmbargo(deps, lease, report, log);
    await followReplication(deps, lease, report);
    await runExpiry(deps, lease, report, log);
    await finishDareg({ ...deps, log }, lease); // DAREG calls left owed (it was down): never throws
    await writeStatusObject(deps.objects, lease.record).catch((e) => log.warn('status object not written', { error: e }));
    await lease.release();
  } catch (e) {
    await lease.settle();
    await lease.release().catch(() => undefined);
    throw e;
  } finally {
    stop();
  }
}

/**
 * An embargo whose recorded end has passed: the file is read again (its date may have moved, an
 * event not yet handled) and followed like a changed file (embargo-gate.ts): the share is created
 * only if the file, as it is now, lets it; our section gets the PublicURL (or the new date); the
 * people are mailed. Datasets with a share, or an end still ahead, cost nothing.
 */
async function publishAfterEmbargo(deps: LifecycleDeps, lease: DatasetLease, report: LifecycleReport, log: Logger): Promise<void> {
  const s = lease.record;
  const unfinished = publicationUnfinished(s, SHARE_STEPS);
  if (!unfinished && (s.outputs.shareId || !s.outputs.embargoedUntil || Date.parse(s.outputs.embargoedUntil) > deps.now().getTime())) return;
  const key = s.metadataFile ? `${s.dataset.prefix}/${s.metadataFile}` : undefined;
  const read = key ? await readDatasetFile(deps, s, key) : undefined;
  if (!key || read?.found !== 'read' || refusedVersion(s, read.file.etag)) {
    log.warn('the embargo has ended but the metadata file cannot be read; the share waits for a readable file', {
      reason: read?.found === 'unreadable' ? read.reason : read?.found === 'read' ? `this version was refused (${s.failureReason})` : 'no metadata file',
    });
    return;
  }
  const file = read.file;
  // The write-back of the PublicURL re-reads and edits the file: with the same allowance as the read.
  const config = withSectionAllowance(deps.config, s.outputs);
  const run: SagaRun = {
    deps: { ...deps, config, enqueueListing: async () => undefined, ...(deps.mailer ? { mailer: deps.mailer } : {}) },
    record: lease.versioned,
    metadata: { key, fileName: s.metadataFile!, etag: file.etag, text: file.text, doc: file.doc },
    name: s.outputs.onedataName ?? s.dataset.name,
    // A pass that died after the create looks for its share first.
    mayHaveRunBefore: true,
    confirmLease: () => lease.confirm(),
    log,
    outputs: s.outputs,
    redaction: new SecretScope(),
  };
  // The access information written back carries the invite token.
  run.redaction.hold(s.outputs.inviteToken);
  try {
    const outcome = await followEmbargo(run, lease, SHARE_STEPS);
    if (outcome === 'unchanged') return;
    const etag = await writeAccessInfo(run);
    if (etag) lease.stage((r) => void (r.metadataEtag = etag));
    if (outcome === 'published') {
      report.published++;
      await notifyDatasetReady(run, lease);
    }
  } finally {
    run.redaction.close();
  }
}

/**
 * The metadata file is gone from the bucket: recorded once (the default policy: nothing else), or,
 * with `lifecycle.onMetadataRemoved: delete`, true so the caller deletes the dataset's Onedata objects.
 */
async function metadataRemoved(deps: LifecycleDeps, lease: DatasetLease, report: LifecycleReport): Promise<boolean> {
  const s0 = lease.record;
  if (!s0.metadataFile || (await deps.objects.head(`${s0.dataset.prefix}/${s0.metadataFile}`))) {
    if (s0.lifecycle?.metadataRemovedAt) lease.stage((s) => delete s.lifecycle!.metadataRemovedAt); // uploaded again
    return false;
  }
  if (!s0.lifecycle?.metadataRemovedAt) {
    const now = deps.now();
    report.metadataRemoved++;
    await lease.save((s) => {
      s.lifecycle = { ...s.lifecycle, metadataRemovedAt: now.toISOString() };
      addHistory(s, 'metadata file removed', `policy: ${deps.config.lifecycle.onMetadataRemoved}`, now);
    });
  }
  return deps.config.lifecycle.onMetadataRemoved === 'delete';
}

async function followReplication(deps: LifecycleDeps, lease: DatasetLease, report: LifecycleReport): Promise<void> {
  const state = lease.record;
  if (!state.outputs.qosRequirementId) return;
  const provider = providerToAsk(state, deps.providers);
  if (!provider) return;
  const progress = await readReplicationProgress(state, provider, deps.now());
  report.replicationChecked++;
  const wasComplete = state.lifecycle?.replication?.completeAt !== undefined;
  const noted = state.lifecycle?.replication?.notedInFileAt;
  lease.stage((s) => {
    s.lifecycle = { ...s.lifecycle, replication: { ...progress, ...(noted ? { notedInFileAt: noted } : {}) } };
    if (!wasComplete && progress.completeAt) addHistory(s, 'replication complete', `${state.outputs.replicasNum} replicas`, deps.now());
  });
  // Every replica complete: the line in our section of the metadata file, once (a file our section
  // took past the byte limit takes the line too).
  const config = withSectionAllowance(deps.config, lease.record.outputs);
  if ((await noteReplicationInFile({ ...deps, config }, lease)) === 'written') report.replicationLines++;
}

/**
 * A version provisioning refused for good (the status object's newVersionRefused) is not acted on
 * by the pass either, even one the pass can read (one s3od gave up on after Onedata outages, until
 * `s3od retry`): one verdict per version of the file.
 */
function refusedVersion(state: DatasetState, etag: string): boolean {
  return state.failureReason !== undefined && state.metadataEtag === etag;
}

/** A dataset's file as the pass sees it: read, absent, or there but unreadable (bad YAML, too large). */
type FileRead =
  { found: 'read'; file: Extract<MetadataFile, { ok: true }> } | { found: 'absent' } | { found: 'unreadable'; reason: string; code?: MetadataErrorCode };

async function readDatasetFile(deps: LifecycleDeps, state: DatasetState, key: string): Promise<FileRead> {
  try {
    const file = await readMetadataFile(deps.objects, withSectionAllowance(deps.config, state.outputs), key);
    if (!file) return { found: 'absent' };
    return file.ok ? { found: 'read', file } : { found: 'unreadable', reason: file.error.message, code: file.error.code };
  } catch (e) {
    if (e instanceof ObjectTooLargeError) return { found: 'unreadable', reason: e.message };
    throw e; // the store itself failed: this dataset's pass fails and the next one tries again
  }
}

/** What a file says about the expiry: known (a document, or none), or unknown with the reason. */
type Known<T> = { known: true; value: T } | { known: false; reason: string };

/**
 * The `.fs2od` document: none when fs2od's file is disabled, absent or empty (fs2od created them
 * empty) — no denial then; unknown when it is there but cannot be read.
 */
async function readFs2od(deps: LifecycleDeps, state: DatasetState): Promise<Known<MetadataDocument | undefined>> {
  const f = deps.config.fs2odMetadataFile;
  if (!f.enabled) return { known: true, value: undefined };
  const read = await readDatasetFile(deps, state, `${state.dataset.prefix}/${f.filename}`);
  if (read.found === 'read') return { known: true, value: read.file.doc };
  if (read.found === 'absent' || read.code === 'EMPTY_DOCUMENT') return { known: true, value: undefined };
  return { known: false, reason: `${f.filename}: ${read.reason}` };
}

/**
 * The expiry request in force (undefined: none), or unknown when a file it comes from cannot be
 * read: the metadata file removed (docs/lifecycle.md: `onMetadataRemoved: record` only records
 * that), either file unreadable, or a value in them that is no time.
 */
async function currentRequest(deps: LifecycleDeps, state: DatasetState, now: Date): Promise<Known<ExpiryRequest | undefined>> {
  if (!state.metadataFile) return { known: false, reason: 'no metadata file is recorded' };
  const meta = await readDatasetFile(deps, state, `${state.dataset.prefix}/${state.metadataFile}`);
  if (meta.found === 'absent') return { known: false, reason: `${state.metadataFile} was removed from the bucket` };
  if (meta.found === 'unreadable') return { known: false, reason: `${state.metadataFile}: ${meta.reason}` };
  if (refusedVersion(state, meta.file.etag)) return { known: false, reason: `${state.metadataFile}: this version was refused (${state.failureReason})` };
  const fs2od = await readFs2od(deps, state);
  if (!fs2od.known) return fs2od;
  const cur = state.lifecycle?.expiry;
  const noticedAt = cur && cur.state !== 'cancelled' && cur.source === 'fs2od' ? new Date(cur.noticedAt) : undefined;
  try {
    const times = { now, provisionedAt: new Date(state.provisionedAt ?? state.createdAt), ...(noticedAt ? { noticedAt } : {}) };
    return { known: true, value: expiryRequest(deps.config, meta.file.doc, fs2od.value, times) };
  } catch (e) {
    if (!(e instanceof ExpiryRequestError)) throw e;
    return { known: false, reason: e.message };
  }
}

type Notify = (e: Omit<LifecycleEvent, 'dataset' | 'spaceId'>) => Promise<void>;

async function runExpiry(deps: LifecycleDeps, lease: DatasetLease, report: LifecycleReport, log: Logger): Promise<void> {
  const state = lease.record;
  const now = deps.now();
  let cur = state.lifecycle?.expiry;
  if (cur?.state === 'expired') return;
  // A notification that cannot go out never stops the lifecycle (the record holds the truth).
  const notify: Notify = async (e) => {
    await deps
      .notify?.({ dataset: state.dataset.prefix, ...(state.outputs.spaceId ? { spaceId: state.outputs.spaceId } : {}), ...e }, lease)
      ?.catch((err) => log.warn('notification not sent', { error: err }));
  };
  // Irreversible once the primary's support is gone: only the remaining step (objects) may follow,
  // whatever the files say now.
  if (cur?.primaryRevokedAt) return expire(deps, lease, cur, report, log, notify);

  // The pass's one moment: `now` (e.g. Retention: now) must not fall after the moment compared below.
  const asked = await currentRequest(deps, state, now);
  if (!asked.known) {
    // Neither a cancellation nor a new request: cancelling, or re-planning once the file reads
    // again, would restart the countdown and resend its mail (fs2od's bug 21). Nothing changes —
    // no reminder, no removal either — until the file can be read. A removed file is recorded
    // already (metadataRemovedAt, its history entry): no warning on every pass for it.
    log[state.lifecycle?.metadataRemovedAt ? 'info' : 'warn']('the expiry request cannot be read; the expiry stays as recorded until the file is fixed', {
      reason: asked.reason,
      expiry: cur?.state ?? 'none',
    });
    return;
  }
  const req = asked.value;
  if (!req || req.removeAt === 'never') return cancelExpiry(lease, report, notify, req, now);
  if (!cur || cur.state === 'cancelled' || cur.spec !== req.spec || cur.source !== req.source) {
    cur = await planExpiry(deps, lease, report, notify, { ...req, removeAt: req.removeAt }, now);
  }
  const removeAt = new Date(cur.removeAt);
  for (const before of remindersDue(deps.config.lifecycle.timeBeforeAction, removeAt, now, cur.remindersSent)) {
    cur.remindersSent = [...cur.remindersSent, before];
    report.reminders++;
    await notify({ event: 'reminder due', removeAt: cur.removeAt, before });
  }
  lease.stage((s) => (s.lifecycle!.expiry = cur));
  if (now.getTime() < removeAt.getTime()) return;
  await expire(deps, lease, cur, report, log, notify);
}

/** Nothing asked any more (or `never`): a planned expiry is cancelled, once. */
async function cancelExpiry(lease: DatasetLease, report: LifecycleReport, notify: Notify, req: ExpiryRequest | undefined, now: Date): Promise<void> {
  const cur = lease.record.lifecycle?.expiry;
  if (!cur || cur.state === 'cancelled') return;
  lease.stage((s) => {
    s.lifecycle!.expiry = { ...cur, state: 'cancelled', cancelledAt: now.toISOString() };
    addHistory(s, 'expiry cancelled', req ? `${req.source}: never` : 'request removed', now);
  });
  report.cancelled++;
  await notify({ event: 'expiry cancelled' });
}

/** A new or changed request: planned afresh (fs2od's moment noticed is kept while it asks). */
async function planExpiry(
  deps: LifecycleDeps,
  lease: DatasetLease,
  report: LifecycleReport,
  notify: Notify,
  req: ExpiryRequest & { removeAt: Date },
  now: Date,
): Promise<ExpiryState> {
  const cur = lease.record.lifecycle?.expiry;
  const planned: ExpiryState = {
    state: 'scheduled',
    source: req.source,
    spec: req.spec,
    removeAt: req.removeAt.toISOString(),
    noticedAt: cur && cur.state !== 'cancelled' && cur.source === req.source ? cur.noticedAt : now.toISOString(),
    // Reminders whose moment has passed already: the "expiry scheduled" mail gives the date.
    remindersSent: remindersPassed(deps.config.lifecycle.timeBeforeAction, req.removeAt, now),
    removeFromFilesystem: deps.config.dataReplication.removeFromFilesystem,
  };
  lease.stage((s) => {
    s.lifecycle = { ...s.lifecycle, expiry: planned };
    addHistory(s, 'expiry scheduled', `${req.source} ${req.spec}: ${planned.removeAt}`, now);
  });
  report.expiriesScheduled++;
  await notify({ event: 'expiry scheduled', removeAt: planned.removeAt });
  return planned;
}

/** The safe order, each step recorded before the next starts, so a crash resumes where it stopped. */
async function expire(deps: LifecycleDeps, lease: DatasetLease, cur: ExpiryState, report: LifecycleReport, log: Logger, notify: Notify): Promise<void> {
  const state = lease.record;
  const now = deps.now();
  if (!cur.primaryRevokedAt) {
    try {
      await revokePrimarySupport(state, deps.onedata, deps.providers);
    } catch (e) {
      if (!(e instanceof NotReplicatedElsewhereError)) throw e;
      report.waitingForReplicas++;
      if (cur.state !== 'waiting-for-replicas' || cur.waitingFor !== e.message) log.info('expiry waits: the facility keeps its copy', { reason: e.message });
      await lease.save((s) => (s.lifecycle!.expiry = { ...cur, state: 'waiting-for-replicas', waitingFor: e.message }));
      return;
    }
    cur = { ...cur, primaryRevokedAt: now.toISOString() };
    delete cur.waitingFor;
    report.primaryRevoked++;
    // Recorded before anything is deleted: a crash here never deletes without a revoked support on record.
    await lease.save((s) => {
      s.lifecycle!.expiry = cur;
      addHistory(s, 'primary support revoked', 'every file has its replicas elsewhere', now);
    });
    log.info('primary support revoked after replication was fulfilled', { spaceId: state.outputs.spaceId });
  }
  // Decided when the expiry was planned: a config change later does not delete what was promised to stay.
  if (cur.removeFromFilesystem && !cur.objectsDeletedAt) {
    const n = await storageModeFor(deps.config).removeDatasetObjects(deps.objects, deps.config, state.dataset);
    cur = { ...cur, objectsDeletedAt: deps.now().toISOString(), objectsDeleted: n };
    report.objectsDeleted += n;
    await lease.save((s) => {
      s.lifecycle!.expiry = cur;
      addHistory(s, 'objects deleted from the facility bucket', `${n} objects`, now);
    });
  }
  await lease.save((s) => {
    s.lifecycle!.expiry = { ...cur, state: 'expired' };
    addHistory(
      s,
      'expired',
      cur.removeFromFilesystem ? 'primary support revoked, objects deleted' : 'primary support revoked; nothing deleted (removeFromFilesystem is false)',
      now,
    );
  });
  report.expired++;
  await notify({ event: 'expired', removeAt: cur.removeAt });
}
