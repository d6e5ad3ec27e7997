import { sanitiseDatasetName } from '../onedata/index.ts';
import { resolveClaimedDataset } from '../dataset/trust.ts';
import { KeyClassifier } from '../events/classify.ts';
import type { ProvisionJob } from '../queue/jobs.ts';
import { SecretScope } from '../log/index.ts';
import { readAccessInfo } from '../metadata/index.ts';
import { readMetadataFile } from '../metadata/read-file.ts';
import { DatasetLease, type BusyLease } from '../state/dataset-lease.ts';
import { addHistory, type DatasetState, type ProvisioningOutputs } from '../state/dataset-state.ts';
import { LeaseLostError } from '../state/state-store.ts';
import { claimOnedataName, NameUnavailableError } from '../state/name-claims.ts';
import { writeStatusObject } from '../state/status-object.ts';
import { ObjectTooLargeError } from '../storage/objects.ts';
import type { MetadataSnapshot, ProvisioningDeps, SagaRun } from './context.ts';
import { DatasetBusyError, isPermanentFailure, onedataErrorIdOf, PermanentProvisioningError, SimulatedCrashError } from './errors.ts';
import { LOG_MESSAGES } from './log-messages.ts';
import { datasetPublication, publishMetadata } from './publish-metadata.ts';
import { runSaga, StepFailedError } from './saga.ts';
import { BEFORE_STEPS, STEP } from './step-names.ts';
import { REPLICATION_STEPS, wantsReplication } from '../lifecycle/replication-steps.ts';
import { PROVISIONING_STEPS, SHARE_STEPS } from './steps.ts';
import { accessInfoKey, accessInfoValues, recordedAccessInfoValues, writeAccessInfo } from './access-info-write.ts';
import { followEmbargo } from './embargo-gate.ts';
import { notifyDatasetReady, READY_EVENT } from './notify-ready.ts';
import { notifyFailure } from './notify-failure.ts';
import { finishDareg, planDareg } from '../dareg/index.ts';
import { refuseFs2odProvisioned } from './fs2od-access.ts';
import { withSectionAllowance } from '../lifecycle/section-allowance.ts';

export type ProvisionOutcome =
  | 'provisioned' // the saga ran to the end
  | 'refreshed' // already provisioned; section restored or published metadata updated
  | 'unchanged' // already provisioned and current (e.g. the event of our own write-back)
  | 'failed' // permanently failed; the reason is in the record and the status object
  | 'skipped' // the same version already failed permanently, or the metadata file is gone
  | 'refused'; // the job's dataset did not hold up (shared/dataset/trust.ts); nothing was touched

export interface DeliveryInfo {
  /** How many times the queue has delivered this job (SQS ApproximateReceiveCount). */
  receiveCount: number;
}

type Log = ProvisioningDeps['log'];

/** The Onedata name of a dataset: prefixes as fs2od adds them, then fs2od's clean-up rules. */
export function onedataNameFor(folderName: string, config: ProvisioningDeps['config']): string {
  const raw = `${config.testMode ? config.testModePrefix : ''}${config.datasetPrefix}${folderName}`;
  return sanitiseDatasetName(raw);
}

/**
 * Provisions one dataset for one provision job. Safe under at-least-once delivery: the record's
 * lease keeps two workers from running the same dataset at once, completed steps are never
 * repeated, and an already provisioned dataset only gets its section restored (or its published
 * metadata refreshed) when the file changed. A failed run is resumed forward by the next delivery
 * (nothing is rolled back: every id created is recorded first).
 *
 * Returns the outcome for permanent results (the job is done); throws for retryable failures
 * (the job returns to the queue) and DatasetBusyError when another worker holds the lease.
 */
export async function provisionDataset(
  claimed: ProvisionJob,
  given: ProvisioningDeps,
  delivery: DeliveryInfo = { receiveCount: 1 },
): Promise<ProvisionOutcome> {
  const job = vetJob(claimed, given);
  if (!job) return 'refused';
  const log = given.log.child({ dataset: job.dataset.prefix, correlationId: job.correlationId });

  // Cheap exits first, without taking the lease: most repeats end here with one GET.
  const before = await given.states.read(job.dataset.id);
  const repeat = outcomeOfRepeat(job, before?.state);
  if (repeat) return repeat;
  // Once our section is in the file, the write-back may have taken it past limits.metadataMaxBytes
  // by the bytes it added: this run reads (and writes) the file with that allowance, as the
  // lifecycle does, or the dataset's own version would be refused as too large (`s3od retry`).
  const deps = before?.state.outputs.writtenBack ? { ...given, config: withSectionAllowance(given.config, before.state.outputs) } : given;

  // Reading the file and claiming the name need no lease (a read; an idempotent claim): they run
  // beside the lease's write instead of after it. Not when the record just read shows another
  // worker's live lease: the lease will not be ours (the event of our own write-back arrives
  // while the saga still holds it), and the read would be thrown away.
  const leasedElsewhere = heldByAnotherWorker(before?.state, deps.states.now());
  const metadataRead = leasedElsewhere ? () => readDatasetMetadata(deps, job) : settled(readDatasetMetadata(deps, job));
  const recordedName = before?.state.outputs.onedataName;
  const nameClaim =
    recordedName === undefined && !leasedElsewhere
      ? settled(Promise.resolve().then(() => claimName(deps, job, onedataNameFor(job.dataset.name, deps.config))))
      : undefined;

  const lease = await DatasetLease.acquire(deps.states, job.dataset, {
    ttlMs: deps.config.provisioning.leaseSeconds * 1000,
    etagInProgress: job.etag,
    // Taking the lease also records the start of the run: one write before the first Onedata call,
    // and no second read (the record was just read; a write since makes the PUT fail and re-read).
    onAcquire: (s) => recordRunStart(s, job, delivery),
    known: before ?? null,
  });
  if (!(lease instanceof DatasetLease)) return stepBack(deps, job, before?.state, lease.busy);
  // The dataset's invite token is masked in every log line while this run works on it.
  const redaction = new SecretScope();
  redaction.hold(lease.record.outputs.inviteToken);

  const stopKeepAlive = lease.keepAlive();
  try {
    const metadata = await metadataRead();
    if (!metadata) {
      log.warn('metadata file is gone; nothing to provision');
      // A deleted dataset stays deleted (a redrive, `s3od retry`): only a new upload provisions it.
      const wasDeleted = before?.state.status === 'deleted';
      await lease.release((s) => {
        if (s.status === 'provisioning') s.status = wasDeleted ? 'deleted' : 'pending';
      });
      return 'skipped';
    }
    // The name is claimed once, before anything is created, and recorded: it never changes again.
    const name =
      lease.record.outputs.onedataName ?? (nameClaim ? await nameClaim() : await claimName(deps, job, onedataNameFor(job.dataset.name, deps.config)));
    lease.stage((s) => {
      s.metadataFile = metadata.fileName;
      s.outputs.onedataName = name;
    });
    const run: SagaRun = {
      deps,
      record: lease.versioned,
      metadata,
      name,
      mayHaveRunBefore: lease.record.attempts > 1,
      confirmLease: () => lease.confirm(),
      log,
      outputs: lease.record.outputs,
      redaction,
    };

    if (lease.record.status === 'provisioned') return await refresh(run, lease, metadata, log);
    // Before anything is created: a file that already names a space s3od never made (fs2od's).
    await refuseFs2odProvisioned(deps, lease.record, metadata);

    // Outputs are staged and written at the steps that say so (steps.ts), then with the outcome.
    await runSaga(run, PROVISIONING_STEPS, (step, outputs, metadataEtag) => lease.save((s) => recordStep(s, step, outputs, metadataEtag)), {
      stage: (step, outputs, metadataEtag) => lease.stage((s) => recordStep(s, step, outputs, metadataEtag)),
      flush: () => lease.save(),
    });
    await lease.save((s) => {
      recordProvisioned(s, metadata);
      // Owed from the moment the outcome is recorded, in the same write: no crash can lose it.
      if (deps.mailer && deps.config.messaging.email.enabled) s.mailDue = [...new Set([...(s.mailDue ?? []), READY_EVENT])];
      planDareg(s, deps.config); // what DAREG is owed (shared/dareg), in the same write
    });
    log.info('dataset provisioned', { spaceId: lease.record.outputs.spaceId, attempts: lease.record.attempts });
    // The status object is written while the lease is still held: once the lease is gone, the
    // bucket already tells the operator the outcome.
    // `fresh`: it shows the provisioning time just recorded, so no earlier object says the same.
    await writeStatusObject(deps.objects, lease.record, { fresh: true }).catch((e) => log.warn('status object not written', { error: e }));
    // Under the lease, after the outcome is recorded: mail can neither precede nor fail provisioning.
    await notifyDatasetReady(run, lease);
    await finishDareg({ ...deps, log }, lease); // never throws: a DAREG failure is recorded for a later run
    await lease.release();
    return 'provisioned';
  } catch (err) {
    await lease.settle();
    if (err instanceof SimulatedCrashError || err instanceof LeaseLostError) throw err;
    return await recordFailure(deps, lease, job, delivery, err, log);
  } finally {
    stopKeepAlive();
    redaction.close();
  }
}

/** Whether the record carries a lease that has not run out (any lease is another worker's before this one acquires). */
function heldByAnotherWorker(state: DatasetState | undefined, now: Date): boolean {
  const lease = state?.lease;
  return lease !== undefined && Date.parse(lease.expiresAt) > now.getTime();
}

/** Starts `work` now and hands back a function that awaits it: a failure surfaces only when awaited. */
function settled<T>(work: Promise<T>): () => Promise<T> {
  work.catch(() => undefined);
  return () => work;
}

/** The job's dataset re-derived from the configuration (a job is a claim), or undefined when it does not hold up. */
function vetJob(claimed: ProvisionJob, deps: ProvisioningDeps): ProvisionJob | undefined {
  const resolved = resolveClaimedDataset(claimed.dataset, deps.config.bucket, deps.classifier ?? classifierFor(deps.config));
  if (!resolved.ok || !deps.config.metadataFiles.includes(claimed.metadataFile)) {
    deps.log.warn('provision job refused', { reason: resolved.ok ? 'the job names a file that is not a configured metadata file' : resolved.reason });
    return undefined;
  }
  // From here on only the derived dataset is used: nothing else the job claimed about it.
  return { ...claimed, dataset: resolved.dataset };
}

const classifiers = new WeakMap<ProvisioningDeps['config'], KeyClassifier>();
function classifierFor(config: ProvisioningDeps['config']): KeyClassifier {
  let c = classifiers.get(config);
  if (!c) classifiers.set(config, (c = new KeyClassifier(config)));
  return c;
}

/** A repeat event for the version already handled: done, or failed for good. */
function outcomeOfRepeat(job: ProvisionJob, state: DatasetState | undefined): ProvisionOutcome | undefined {
  if (!state || !job.etag || job.etag !== state.metadataEtag || job.reason !== 'event') return undefined;
  // A mail still owed (a crash in the send, a failed send) is finished by a run under the lease.
  if (state.status === 'provisioned') return state.mailDue?.length ? undefined : 'unchanged';
  if (state.status === 'failed' && state.lastError?.permanent) return 'skipped';
  // Deleted on purpose: only a new version of the file (a new upload) provisions it again.
  if (state.status === 'deleted') return 'skipped';
  return undefined;
}

function recordRunStart(s: DatasetState, job: ProvisionJob, delivery: DeliveryInfo): void {
  s.attempts += 1;
  if (s.status !== 'provisioned') s.status = 'provisioning';
  addHistory(s, 'run started', `attempt ${s.attempts}, receive ${delivery.receiveCount}, reason ${job.reason}`);
  // An operator's retry gives reconcile its re-queues back (the CLI clears them too, but not
  // while a worker holds the record: this covers that case).
  if (job.reason === 'retry') delete s.requeues;
}

/**
 * Another worker holds the lease. RGW delivers the event of our own write-back while the saga
 * still holds it: when the job's version already carries exactly the recorded access information,
 * the job is done. Otherwise it is never dropped, even when the holder works on this very version
 * (it may have died): it comes back when the lease would expire.
 */
async function stepBack(deps: ProvisioningDeps, job: ProvisionJob, before: DatasetState | undefined, busy: BusyLease): Promise<ProvisionOutcome> {
  if (before && (await carriesRecordedAccessInfo(deps, job, before))) return 'unchanged';
  const seconds = Math.ceil((Date.parse(busy.expiresAt) - Date.now()) / 1000) + 1;
  throw new DatasetBusyError(`${job.dataset.prefix} is being provisioned by another worker`, Math.min(900, Math.max(1, seconds)));
}

/** The dataset's metadata file (fs2od's rule: the first configured name present in the folder); bad input fails permanently. */
async function readDatasetMetadata(deps: ProvisioningDeps, job: ProvisionJob): Promise<MetadataSnapshot | undefined> {
  for (const fileName of deps.config.metadataFiles) {
    const key = `${job.dataset.prefix}/${fileName}`;
    let file;
    try {
      file = await readMetadataFile(deps.objects, deps.config, key);
    } catch (e) {
      if (e instanceof ObjectTooLargeError) {
        throw new PermanentProvisioningError(`${fileName} is ${e.size} bytes, more than the limit of ${e.limit} bytes (limits.metadataMaxBytes)`, 'TOO_LARGE');
      }
      throw e;
    }
    if (!file) continue;
    if (!file.ok) throw new PermanentProvisioningError(`${fileName}: ${file.error.message}`, file.error.code);
    return { key, fileName, etag: file.etag, text: file.text, doc: file.doc };
  }
  return undefined;
}

async function claimName(deps: ProvisioningDeps, job: ProvisionJob, name: string): Promise<string> {
  try {
    return await claimOnedataName(deps.objects, job.dataset, name);
  } catch (e) {
    if (e instanceof NameUnavailableError) throw new PermanentProvisioningError(e.message, 'nameUnavailable');
    throw e;
  }
}

function recordStep(s: DatasetState, step: string, outputs: Partial<ProvisioningOutputs>, metadataEtag: string | undefined): void {
  s.completedSteps[step] = new Date().toISOString();
  Object.assign(s.outputs, outputs);
  if (metadataEtag) s.metadataEtag = metadataEtag;
}

function recordProvisioned(s: DatasetState, metadata: MetadataSnapshot): void {
  s.status = 'provisioned';
  s.provisionedAt = new Date().toISOString();
  s.metadataEtag ??= metadata.etag;
  delete s.lastError;
  delete s.failureReason;
  addHistory(s, 'provisioned', `space ${s.outputs.spaceId}`);
}

/**
 * A failed run: recorded (permanent, given up after the last allowed delivery, or one attempt
 * among others), the lease released, and the job either done ('failed') or back on the queue.
 */
async function recordFailure(
  deps: ProvisioningDeps,
  lease: DatasetLease,
  job: ProvisionJob,
  delivery: DeliveryInfo,
  err: unknown,
  log: Log,
): Promise<ProvisionOutcome> {
  const cause = err instanceof StepFailedError ? err.error : err;
  const step = err instanceof StepFailedError ? err.step : BEFORE_STEPS;
  const permanent = isPermanentFailure(cause);
  const gaveUp = !permanent && delivery.receiveCount >= deps.config.provisioning.maxAttempts;
  const message = (cause as Error)?.message ?? String(cause);
  const onedataErrorId = onedataErrorIdOf(cause);
  await lease
    .save((s) => {
      s.lastError = {
        step,
        message,
        permanent,
        at: new Date().toISOString(),
        ...(onedataErrorId ? { onedataErrorId } : {}),
        ...(cause instanceof PermanentProvisioningError ? { code: cause.code } : {}),
      };
      if (permanent || gaveUp) {
        // This version is settled (its repeats are skipped, outcomeOfRepeat). Not after a failure
        // that will be retried: a provisioned dataset's redelivery would then look like the event
        // of a version already handled, and a section restore or a refresh would be lost.
        if (job.etag) s.metadataEtag = job.etag;
        s.status = s.status === 'provisioned' ? 'provisioned' : 'failed';
        s.failureReason = permanent ? `${step}: ${message}` : `gave up after ${delivery.receiveCount} attempts; last error in ${step}: ${message}`;
      }
      addHistory(s, permanent ? 'failed' : gaveUp ? 'gave up' : 'attempt failed', `${step}: ${message}`);
    })
    .catch((e) => log.error('could not record the failure', { error: e }));
  log.error(permanent ? LOG_MESSAGES.datasetFailed : LOG_MESSAGES.attemptFailed, {
    step,
    error: cause,
    onedataErrorId,
    permanent,
    receiveCount: delivery.receiveCount,
  });
  if (permanent || gaveUp) await writeStatusObject(deps.objects, lease.record).catch((e) => log.warn('status object not written', { error: e }));
  // Also for a provisioned dataset's refused new version: the dataset is unchanged, and whoever
  // uploaded the version learns why nothing happened.
  if (permanent || gaveUp) await notifyFailure(deps, lease, job.etag, log);
  await lease.release().catch((e) => log.error('could not release the lease', { error: e }));
  if (permanent) return 'failed';
  throw cause;
}

/** Whether the job's version of the metadata file already holds the access information recorded. */
async function carriesRecordedAccessInfo(deps: ProvisioningDeps, job: ProvisionJob, state: DatasetState): Promise<boolean> {
  const o = state.outputs;
  if (!job.etag || !(o.publicUrl || o.embargoedUntil) || !o.spaceId || !o.inviteToken) return false;
  // The version the write-back recorded as its own (its ETag) carries the section by construction.
  if (state.completedSteps[STEP.writeBack] && state.metadataEtag === job.etag) return true;
  const file = await readMetadataFile(deps.objects, deps.config, `${job.dataset.prefix}/${job.metadataFile}`).catch(() => undefined);
  if (!file || file.etag !== job.etag || !file.ok) return false;
  const a = readAccessInfo(file.doc, deps.config.metadataFileTags);
  const v = recordedAccessInfoValues(deps.config, o);
  return a.space === v.space && a.publicURL === v.publicURL && a.inviteToken === v.inviteToken && a.onezone === v.onezone;
}

/**
 * A share made before its own file id was recorded (`shareFileId`, since 2026-12-05) has a
 * description whose download command names the space's root instead: the id to describe it with
 * (one GET). The caller records it only with the description that uses it: recorded earlier, a
 * failed publish would leave the old description for good.
 */
async function missingShareFileId(run: SagaRun): Promise<string | undefined> {
  const { shareId, shareFileId } = run.outputs;
  if (!shareId || shareFileId) return undefined;
  return (await run.deps.onedata.provider.getShare(shareId)).rootFileId;
}

/**
 * A provisioned dataset whose metadata file changed: restore our section if the operator's new
 * version lacks it (no new space), and refresh what was published from the old metadata. What
 * changed is recorded as the lease is released.
 */
async function refresh(run: SagaRun, lease: DatasetLease, metadata: MetadataSnapshot, log: Log): Promise<ProvisionOutcome> {
  const { config } = run.deps;
  let writtenEtag: string | undefined;
  let published: Pick<ProvisioningOutputs, 'publishedMetadataHash' | 'shareFileId'> = {};
  // First: a moved or ended embargo changes what our section says (below).
  const embargo = await followEmbargo(run, lease, SHARE_STEPS);
  const values = accessInfoValues(run);
  const inFile = accessInfoKey(run) === metadata.key ? readAccessInfo(metadata.doc, config.metadataFileTags) : undefined;
  const current =
    !inFile ||
    (inFile.onezone === values.onezone && inFile.space === values.space && inFile.inviteToken === values.inviteToken && inFile.publicURL === values.publicURL);
  if (!current || accessInfoKey(run) !== metadata.key) {
    const etag = await writeAccessInfo(run);
    if (etag && etag !== metadata.etag) {
      writtenEtag = etag;
      log.info('access information restored in the metadata file');
    }
  }
  const shareFileId = await missingShareFileId(run);
  const next = datasetPublication(config, metadata.doc, shareFileId ? { ...run.outputs, shareFileId } : run.outputs, run.name);
  if ((next.hash !== run.outputs.publishedMetadataHash || shareFileId) && run.outputs.rootFileId) {
    published = {
      ...(await publishMetadata(run.deps, next, { rootFileId: run.outputs.rootFileId, shareId: run.outputs.shareId })),
      ...(shareFileId ? { shareFileId } : {}),
    };
    log.info('published metadata refreshed');
  }
  const replicated = await replicateOnRequest(run, lease, log);
  await notifyDatasetReady(run, lease);
  await finishDareg({ ...run.deps, log }, lease);
  const refusedBefore = lease.record.failureReason !== undefined;
  await lease.release((s) => {
    if (writtenEtag) s.metadataEtag = writtenEtag;
    s.metadataEtag ??= metadata.etag;
    Object.assign(s.outputs, published);
    // This version reads well: an earlier version's refusal no longer applies.
    delete s.lastError;
    delete s.failureReason;
  });
  if (refusedBefore) await writeStatusObject(run.deps.objects, lease.record).catch((e) => log.warn('status object not written', { error: e }));
  return writtenEtag || published.publishedMetadataHash || replicated || embargo !== 'unchanged' ? 'refreshed' : 'unchanged';
}

/**
 * A replication request added to a provisioned dataset's file (or a config that now enables it):
 * the replication steps run on their own, with the same runner. Steps recorded as skipped when
 * nothing was requested are forgotten first, so they run now.
 */
async function replicateOnRequest(run: SagaRun, lease: DatasetLease, log: Log): Promise<boolean> {
  if (run.outputs.qosRequirementId || !wantsReplication(run)) return false;
  lease.stage((s) => {
    delete s.completedSteps[STEP.supportReplicas];
    delete s.completedSteps[STEP.addQosRequirement];
  });
  await runSaga(run, REPLICATION_STEPS, (step, outputs) => lease.save((s) => recordStep(s, step, outputs, undefined)));
  log.info('replication set up on request', { replicas: run.outputs.replicasNum, providers: run.outputs.replicaSupports?.map((p) => p.url) });
  return true;
}
