import { randomUUID } from 'node:crypto';
import { metadataParseSettings } from '../config/metadata-limits.ts';
import { parseMetadata, readAccessInfo } from '../metadata/index.ts';
import { sanitiseDatasetName } from '../onedata/index.ts';
import { resolveClaimedDataset } from '../dataset/trust.ts';
import { KeyClassifier } from '../events/classify.ts';
import type { ProvisionJob } from '../queue/jobs.ts';
import { registerSecret } from '../log/index.ts';
import { addHistory, type DatasetState } from '../state/dataset-state.ts';
import { LeaseLostError, type VersionedState } from '../state/state-store.ts';
import { claimOnedataName, NameUnavailableError } from '../state/name-claims.ts';
import { writeStatusObject } from '../state/status-object.ts';
import { ObjectTooLargeError } from '../storage/objects.ts';
import type { MetadataSnapshot, ProvisioningDeps, SagaRun } from './context.ts';
import { DatasetBusyError, isPermanentFailure, onedataErrorIdOf, PermanentProvisioningError, SimulatedCrashError } from './errors.ts';
import { LOG_MESSAGES } from './log-messages.ts';
import { runSaga, StepFailedError } from './saga.ts';
import { PROVISIONING_STEPS, publication } from './steps.ts';
import { accessInfoKey, accessInfoValues, writeBackAccessInfo, writtenInviteToken } from './write-back.ts';

export type ProvisionOutcome =
  | 'provisioned' // the saga ran to the end
  | 'refreshed' // already provisioned; section restored or published metadata updated
  | 'unchanged' // already provisioned and current (e.g. the event of our own write-back)
  | 'failed' // permanently failed; the reason is in the record and the status object
  | 'skipped' // the same version already failed permanently, or the metadata file is gone
  | 'refused' // the job's dataset did not hold up (shared/dataset/trust.ts); nothing was touched
  ;

export interface DeliveryInfo {
  /** How many times the queue has delivered this job (SQS ApproximateReceiveCount). */
  receiveCount: number;
}

/** The Onedata name of a dataset: prefixes as fs2od adds them, then fs2od's clean-up rules. */
export function onedataNameFor(folderName: string, config: ProvisioningDeps['config']): string {
  const raw = `${config.testMode ? config.testModePrefix : ''}${config.datasetPrefix}${folderName}`;
  return sanitiseDatasetName(raw);
}

const classifiers = new WeakMap<ProvisioningDeps['config'], KeyClassifier>();
function classifierFor(config: ProvisioningDeps['config']): KeyClassifier {
  let c = classifiers.get(config);
  if (!c) classifiers.set(config, (c = new KeyClassifier(config)));
  return c;
}

async function claimName(deps: ProvisioningDeps, job: ProvisionJob, name: string): Promise<string> {
  try {
    return await claimOnedataName(deps.objects, job.dataset, name);
  } catch (e) {
    if (e instanceof NameUnavailableError) throw new PermanentProvisioningError(e.message, 'nameUnavailable');
    throw e;
  }
}

async function readMetadata(deps: ProvisioningDeps, job: ProvisionJob): Promise<MetadataSnapshot | undefined> {
  const { config, objects } = deps;
  // fs2od's rule: the first configured name present in the folder is the dataset's metadata file.
  for (const fileName of config.metadataFiles) {
    const key = `${job.dataset.prefix}/${fileName}`;
    let obj;
    try {
      obj = await objects.get(key, config.limits.metadataMaxBytes);
    } catch (e) {
      if (e instanceof ObjectTooLargeError) {
        throw new PermanentProvisioningError(`${fileName} is ${e.size} bytes, more than the limit of ${e.limit} bytes (limits.metadataMaxBytes)`, 'TOO_LARGE');
      }
      throw e;
    }
    if (!obj) continue;
    const parsed = parseMetadata(obj.body, metadataParseSettings(config));
    if (!parsed.ok) throw new PermanentProvisioningError(`${fileName}: ${parsed.error.message}`, parsed.error.code);
    return { key, fileName, etag: obj.etag, text: parsed.text, doc: parsed.doc };
  }
  return undefined;
}

/**
 * Provisions one dataset for one provision job. Safe under at-least-once delivery: the record's
 * lease keeps two workers from running the same dataset at once, completed steps are never
 * repeated, and an already provisioned dataset only gets its section restored (or its published
 * metadata refreshed) when the file changed.
 *
 * Returns the outcome for permanent results (the job is done); throws for retryable failures
 * (the job returns to the queue) and DatasetBusyError when another worker holds the lease.
 */
export async function provisionDataset(claimed: ProvisionJob, deps: ProvisioningDeps, delivery: DeliveryInfo = { receiveCount: 1 }): Promise<ProvisionOutcome> {
  const { states, config } = deps;
  const resolved = resolveClaimedDataset(claimed.dataset, config.bucket, deps.classifier ?? classifierFor(config));
  if (!resolved.ok || !config.metadataFiles.includes(claimed.metadataFile)) {
    deps.log.warn('provision job refused', { reason: resolved.ok ? 'the job names a file that is not a configured metadata file' : resolved.reason });
    return 'refused';
  }
  // From here on only the derived dataset is used: nothing else the job claimed about it.
  const job: ProvisionJob = { ...claimed, dataset: resolved.dataset };
  const log = deps.log.child({ dataset: job.dataset.prefix, correlationId: job.correlationId });
  const leaseMs = config.provisioning.leaseSeconds * 1000;

  // Cheap exits first, without taking the lease: most repeats end here with one GET.
  const before = await states.read(job.dataset.id);
  if (before && job.etag && job.etag === before.state.metadataEtag && job.reason === 'event') {
    if (before.state.status === 'provisioned') return 'unchanged';
    if (before.state.status === 'failed' && before.state.lastError?.permanent) return 'skipped';
  }

  const owner = randomUUID();
  // Taking the lease also records the start of the run: one write before the first Onedata call.
  const leased = await states.acquireLease(job.dataset, owner, leaseMs, job.etag, (s) => {
    s.attempts += 1;
    if (s.status !== 'provisioned') s.status = 'provisioning';
    addHistory(s, 'run started', `attempt ${s.attempts}, receive ${delivery.receiveCount}, reason ${job.reason}`);
    // An operator's retry gives reconcile its re-queues back (the CLI clears them too, but not
    // while a worker holds the record: this covers that case).
    if (job.reason === 'retry') delete s.requeues;
  });
  if ('busy' in leased) {
    // RGW delivers the event of our own write-back while the saga still holds the lease: when the
    // job's version already carries exactly the recorded access information, it is done.
    if (before && (await carriesRecordedAccessInfo(deps, job, before.state))) return 'unchanged';
    // Otherwise never dropped, even when the holder works on this very version: it may have died.
    const seconds = Math.ceil((Date.parse(leased.busy.expiresAt) - Date.now()) / 1000) + 1;
    throw new DatasetBusyError(`${job.dataset.prefix} is being provisioned by another worker`, Math.min(900, Math.max(1, seconds)));
  }
  let current: VersionedState = leased;
  registerSecret(leased.state.outputs.inviteToken);
  const state = (): DatasetState => current.state;
  // Edits apply to the record in memory at once; writes are serialised and coalesced: steps that
  // finish while a write is under way share the next one.
  let chain: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  const save = (edit: (s: DatasetState) => void): Promise<void> => {
    edit(current.state);
    if (queued) return queued;
    const write = chain.then(async () => {
      queued = undefined;
      states.renew(current, leaseMs);
      current = await states.save(current);
    });
    queued = write;
    chain = write;
    return write;
  };

  // Keep the lease while long steps (waiting for the provider) run: renew at a third of its length.
  const heartbeat = setInterval(() => void save(() => undefined).catch(() => undefined), Math.max(1000, leaseMs / 3));
  heartbeat.unref();
  try {
    const metadata = await readMetadata(deps, job);
    if (!metadata) {
      log.warn('metadata file is gone; nothing to provision');
      await save((s) => {
        if (s.status === 'provisioning') s.status = 'pending';
        delete s.lease;
      });
      return 'skipped';
    }
    // The name is claimed once, before anything is created, and recorded: it never changes again.
    const name = state().outputs.onedataName ?? (await claimName(deps, job, onedataNameFor(job.dataset.name, config)));
    const run: SagaRun = {
      deps,
      record: current,
      metadata,
      name,
      mayHaveRunBefore: state().attempts > 1,
      log,
      outputs: state().outputs,
    };
    // Recorded with the first step's write.
    state().metadataFile = metadata.fileName;
    state().outputs.onedataName = name;

    if (state().status === 'provisioned') {
      const outcome = await refreshProvisioned(run, metadata, log);
      await save((s) => {
        s.metadataEtag = run.record.state.metadataEtag ?? metadata.etag;
        delete s.lease;
      });
      return outcome;
    }

    await runSaga(run, PROVISIONING_STEPS, (step, outputs) =>
      // run.record.state is the live record object: steps see every recorded output.
      save((s) => {
        s.completedSteps[step] = new Date().toISOString();
        Object.assign(s.outputs, outputs);
      }),
    );
    await save((s) => {
      s.status = 'provisioned';
      s.provisionedAt = new Date().toISOString();
      s.metadataEtag ??= metadata.etag;
      delete s.lastError;
      delete s.failureReason;
      addHistory(s, 'provisioned', `space ${s.outputs.spaceId}`);
    });
    log.info('dataset provisioned', { spaceId: state().outputs.spaceId, attempts: state().attempts });
    // The status object is written while the lease is still held: once the lease is gone, the
    // bucket already tells the operator the outcome.
    await writeStatusObject(deps.objects, state()).catch((e) => log.warn('status object not written', { error: e }));
    await save((s) => void delete s.lease);
    return 'provisioned';
  } catch (err) {
    await chain.catch(() => undefined);
    if (err instanceof SimulatedCrashError || err instanceof LeaseLostError) throw err;
    const cause = err instanceof StepFailedError ? err.error : err;
    const step = err instanceof StepFailedError ? err.step : 'read-metadata';
    const permanent = isPermanentFailure(cause);
    const gaveUp = !permanent && delivery.receiveCount >= config.provisioning.maxAttempts;
    const message = (cause as Error)?.message ?? String(cause);
    const onedataErrorId = onedataErrorIdOf(cause);
    await save((s) => {
      s.lastError = { step, message, permanent, at: new Date().toISOString(), ...(onedataErrorId ? { onedataErrorId } : {}) };
      if (job.etag) s.metadataEtag = job.etag;
      if (permanent || gaveUp) {
        s.status = s.status === 'provisioned' ? 'provisioned' : 'failed';
        s.failureReason = permanent ? `${step}: ${message}` : `gave up after ${delivery.receiveCount} attempts; last error in ${step}: ${message}`;
      }
      addHistory(s, permanent ? 'failed' : gaveUp ? 'gave up' : 'attempt failed', `${step}: ${message}`);
    }).catch((e) => log.error('could not record the failure', { error: e }));
    log.error(permanent ? LOG_MESSAGES.datasetFailed : LOG_MESSAGES.attemptFailed, { step, error: cause, onedataErrorId, permanent, receiveCount: delivery.receiveCount });
    if (permanent || gaveUp) await writeStatusObject(deps.objects, state()).catch((e) => log.warn('status object not written', { error: e }));
    await save((s) => void delete s.lease).catch((e) => log.error('could not release the lease', { error: e }));
    if (permanent) return 'failed';
    throw cause;
  } finally {
    clearInterval(heartbeat);
  }
}

/** Whether the job's version of the metadata file already holds the access information recorded. */
async function carriesRecordedAccessInfo(deps: ProvisioningDeps, job: ProvisionJob, state: DatasetState): Promise<boolean> {
  const o = state.outputs;
  if (!job.etag || !o.publicUrl || !o.spaceId || !o.inviteToken) return false;
  const obj = await deps.objects.get(`${job.dataset.prefix}/${job.metadataFile}`, deps.config.limits.metadataMaxBytes).catch(() => undefined);
  if (!obj || obj.etag !== job.etag) return false;
  const parsed = parseMetadata(obj.body, metadataParseSettings(deps.config));
  if (!parsed.ok) return false;
  const a = readAccessInfo(parsed.doc, deps.config.metadataFileTags);
  return a.space === o.spaceId && a.publicURL === o.publicUrl && a.inviteToken === writtenInviteToken(deps.config, o.inviteToken) && a.onezone === deps.config.restAccess.onezone.host;
}

/**
 * A provisioned dataset whose metadata file changed: restore our section if the operator's new
 * version lacks it (no new space), and refresh what was published from the old metadata.
 */
async function refreshProvisioned(run: SagaRun, metadata: MetadataSnapshot, log: SagaRun['log']): Promise<ProvisionOutcome> {
  const { config, onedata } = run.deps;
  let changed = false;
  const values = accessInfoValues(run);
  const inFile = accessInfoKey(run) === metadata.key ? readAccessInfo(metadata.doc, config.metadataFileTags) : undefined;
  const current = !inFile || (inFile.onezone === values.onezone && inFile.space === values.space && inFile.inviteToken === values.inviteToken && inFile.publicURL === values.publicURL);
  if (!current || accessInfoKey(run) !== metadata.key) {
    const etag = await writeBackAccessInfo(run);
    if (etag && etag !== metadata.etag) {
      run.record.state.metadataEtag = etag;
      changed = true;
      log.info('access information restored in the metadata file');
    }
  }
  const published = publication(run);
  if (published.hash !== run.outputs.publishedMetadataHash && run.outputs.rootFileId) {
    if (config.importMetadata) await onedata.provider.setJsonMetadata(run.outputs.rootFileId, published.jsonMetadata);
    if (run.outputs.shareId) await onedata.provider.updateShare(run.outputs.shareId, { description: published.shareDescription });
    run.outputs.publishedMetadataHash = published.hash;
    changed = true;
    log.info('published metadata refreshed');
  }
  return changed ? 'refreshed' : 'unchanged';
}
