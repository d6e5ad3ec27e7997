/**
 * Runs a dataset's deletion saga (deletion-steps.ts) under its lease, with the provisioning saga's
 * runner: each completed step is recorded, so a crash at any point resumes where it stopped, and a
 * second worker or a repeated command steps back while one holds the lease. At the end the record
 * says `deleted` and forgets the ids (kept in `lifecycle.deletion` for the operator), the steps and
 * the ETag of the file's version, and its `generation` grows: a new upload of the metadata file then
 * provisions afresh, even of the very same bytes.
 */
import type { DatasetRef } from '../dataset/ref.ts';
import { SecretScope } from '../log/index.ts';
import type { ProvisioningDeps, SagaRun } from '../provisioning/context.ts';
import { SimulatedCrashError } from '../provisioning/errors.ts';
import { runSaga } from '../provisioning/saga.ts';
import { DatasetLease } from '../state/dataset-lease.ts';
import { addHistory, type DatasetState } from '../state/dataset-state.ts';
import { writeStatusObject } from '../state/status-object.ts';
import { DELETION_STEPS, deletionPlan } from './deletion-steps.ts';

export type DeletionDeps = Omit<ProvisioningDeps, 'enqueueListing' | 'classifier'>;

export type DeletionOutcome =
  | { outcome: 'deleted'; deleted: { what: string; id: string }[] }
  | { outcome: 'busy'; until: string }
  | { outcome: 'already-deleted' }
  | { outcome: 'no-record' };

/** The deletion saga reads no metadata file (it may be gone): the run carries an empty snapshot. */
const NO_METADATA: SagaRun['metadata'] = { key: '', fileName: '', etag: '', text: '', doc: {} };

export async function deleteDataset(deps: DeletionDeps, dataset: DatasetRef, reason: string): Promise<DeletionOutcome> {
  const existing = await deps.states.read(dataset.id);
  if (!existing) return { outcome: 'no-record' };
  if (existing.state.status === 'deleted') return { outcome: 'already-deleted' };
  const lease = await DatasetLease.acquire(deps.states, dataset, { ttlMs: deps.config.provisioning.leaseSeconds * 1000 });
  if (!(lease instanceof DatasetLease)) return { outcome: 'busy', until: lease.busy.expiresAt };
  const log = deps.log.child({ dataset: dataset.prefix, saga: 'deletion' });
  const stop = lease.keepAlive();
  try {
    if (lease.record.status === 'deleted') {
      await lease.release();
      return { outcome: 'already-deleted' };
    }
    const now = (deps.now ?? (() => new Date()))();
    const plan = deletionPlan(lease.record.outputs, lease.record.lifecycle?.expiry?.primaryRevokedAt !== undefined);
    await lease.save((s) => {
      s.lifecycle = { ...s.lifecycle, deletion: { reason, startedAt: s.lifecycle?.deletion?.startedAt ?? now.toISOString(), deleted: plan } };
      addHistory(s, 'deletion started', reason, now);
    });
    const run: SagaRun = {
      deps: { ...deps, enqueueListing: async () => undefined },
      record: lease.versioned,
      metadata: NO_METADATA,
      name: lease.record.outputs.onedataName ?? dataset.name,
      mayHaveRunBefore: true,
      confirmLease: () => lease.confirm(),
      log,
      outputs: lease.record.outputs,
      // Deletion revokes the token by its id; nothing in this run carries the token's value.
      redaction: new SecretScope(),
    };
    await runSaga(run, DELETION_STEPS, (step) => lease.save((s) => (s.completedSteps[step] = new Date().toISOString())));
    await lease.save((s) => recordDeleted(s, now));
    log.info('dataset deleted from Onedata', { objects: plan.length });
    await writeStatusObject(deps.objects, lease.record).catch((e) => log.warn('status object not written', { error: e }));
    await lease.release();
    return { outcome: 'deleted', deleted: plan };
  } catch (e) {
    await lease.settle();
    // A crash leaves the lease to expire (like provisioning's fault hook); any other failure lets go at once.
    if (!(e instanceof SimulatedCrashError)) await lease.release().catch(() => undefined);
    throw e;
  } finally {
    stop();
  }
}

function recordDeleted(s: DatasetState, now: Date): void {
  const onedataName = s.outputs.onedataName;
  s.status = 'deleted';
  s.deletedAt = now.toISOString();
  s.generation = (s.generation ?? 0) + 1;
  // The ids are gone from Onedata: a fresh provisioning must not adopt or touch them.
  s.outputs = onedataName ? { onedataName } : {};
  s.completedSteps = {};
  // Forgotten so that any upload provisions afresh, the same bytes too: S3 gives identical bytes
  // the same ETag, and a job whose ETag is the recorded one is a repeat to skip (provision-dataset.ts).
  delete s.metadataEtag;
  s.attempts = 0;
  delete s.lastError;
  delete s.failureReason;
  delete s.provisionedAt;
  const deletion = s.lifecycle?.deletion;
  s.lifecycle = deletion ? { deletion: { ...deletion, finishedAt: now.toISOString() } } : {};
  s.import = { registered: 0, failed: 0, removed: 0 };
  addHistory(s, 'deleted', 'every Onedata object recorded for the dataset was deleted', now);
}
