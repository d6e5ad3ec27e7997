import { randomUUID } from 'node:crypto';
import type { S3odConfig } from '../config/schema.ts';
import type { DatasetRef } from '../dataset/ref.ts';
import type { Logger } from '../log/index.ts';
import type { ImportListingJob, ProvisionJob } from '../queue/jobs.ts';
import { limitConcurrency } from '../retry/index.ts';
import { addHistory, type DatasetState } from '../state/dataset-state.ts';
import type { StateStore } from '../state/state-store.ts';
import type { ObjectStore } from '../storage/objects.ts';
import { storageModeFor } from '../storage-modes/index.ts';
import { listDatasetFolders } from './list-datasets.ts';
import { decideRequeue, DEFAULT_REQUEUE_POLICY, requeuesOf, type RequeuePolicy } from './requeue-backoff.ts';

export interface ReconcileDeps {
  config: S3odConfig;
  objects: ObjectStore;
  states: StateStore;
  enqueue(jobs: ProvisionJob[]): Promise<void>;
  /** s3 mode: re-queue the listing of a provisioned dataset whose initial listing never finished. */
  enqueueListing?(job: ImportListingJob): Promise<void>;
  log: Logger;
  now?: () => number;
  /** A dataset whose record has not moved for this long while not provisioned counts as stuck. */
  stuckAfterMs?: number;
  /** Spacing and limit of re-queues of one version (default {@link DEFAULT_REQUEUE_POLICY}). */
  requeuePolicy?: RequeuePolicy;
}

export interface ReconcileReport {
  folders: number;
  provisioned: number;
  enqueued: number;
  inProgress: number;
  failedNeedsOperator: number;
  noMetadata: number;
  /** Provisioned datasets whose listing (s3 mode) had stalled and was queued again. */
  listingsRequeued: number;
  /** Failed or stuck datasets whose next re-queue is not due yet (exponential backoff). */
  backingOff: number;
  /** Failed or stuck datasets whose version used up its re-queues: a new upload or `s3od retry` resumes them. */
  requeueLimitReached: number;
  /**
   * Folders whose check failed (an unreadable record, a refused listing re-queue): logged one by
   * one; the pass goes on with the others, and the next pass tries them again.
   */
  errors: number;
}

/**
 * No dataset left behind: notifications can be lost (a non-persistent RGW topic while the function
 * endpoint is down, MinIO without queue_dir). This walks the dataset folders and enqueues every
 * dataset with a metadata file that is not provisioned — never seen, stuck (no progress for
 * `stuckAfterMs`), or given up on after transient errors. Done datasets cost one GET of their
 * record and no Onedata call; datasets that failed on bad input wait for a fixed upload (re-queued
 * here only when a new version's notification was lost). Re-queues of one version back off
 * exponentially and stop after a limit (requeue-backoff.ts); each is counted in the record with a
 * compare-and-swap before the job is sent, so two overlapping runs cannot both send it.
 */
export async function reconcile(deps: ReconcileDeps, onlyPrefix?: string): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    folders: 0,
    provisioned: 0,
    enqueued: 0,
    inProgress: 0,
    failedNeedsOperator: 0,
    noMetadata: 0,
    listingsRequeued: 0,
    backingOff: 0,
    requeueLimitReached: 0,
    errors: 0,
  };
  const policy = deps.requeuePolicy ?? DEFAULT_REQUEUE_POLICY;
  const now = deps.now?.() ?? Date.now();
  const stuckAfter = deps.stuckAfterMs ?? 10 * 60_000;
  const limit = limitConcurrency(8);
  const batch: ProvisionJob[] = [];
  const pending: Promise<void>[] = [];
  const correlationId = randomUUID();
  for await (const dataset of listDatasetFolders(deps.objects, deps.config, onlyPrefix)) {
    report.folders++;
    pending.push(
      limit(() => checkFolder(dataset)).catch((error: unknown) => {
        // One folder's failure (e.g. AccessDenied on the import queue) must not cost the pass
        // every other folder's job, whose re-queue counts are already written.
        report.errors++;
        deps.log.error('reconciliation of a dataset failed', { dataset: dataset.prefix, error });
      }),
    );
  }
  await Promise.all(pending);
  if (batch.length) await deps.enqueue(batch);
  deps.log.info('reconciliation done', { ...report });
  return report;

  async function checkFolder(dataset: DatasetRef): Promise<void> {
    const st = (await deps.states.read(dataset.id))?.state;
    if (st?.status === 'provisioned') {
      report.provisioned++;
      const stalled = storageModeFor(deps.config).initialImportStalled(st, now, stuckAfter);
      if (stalled && deps.enqueueListing) {
        // The listing job was lost or dead-lettered: it resumes from its recorded position.
        await deps.enqueueListing({ type: 'import-listing', dataset, dedupKey: `listing:${dataset.id}`, correlationId });
        report.listingsRequeued++;
      }
      return;
    }
    // A deleted dataset waits for a new upload just like bad input does.
    const permanent = (st?.status === 'failed' && st.lastError?.permanent === true) || st?.status === 'deleted';
    const leased = st?.lease && Date.parse(st.lease.expiresAt) > now;
    const recent = st && now - Date.parse(st.updatedAt) < stuckAfter && st.status !== 'failed';
    if (leased || recent) return void report.inProgress++;
    for (const fileName of deps.config.metadataFiles) {
      const head = await deps.objects.head(`${dataset.prefix}/${fileName}`);
      if (!head) continue;
      if (permanent) {
        // Bad input waits for a fixed upload; only a version other than the refused one (whose
        // notification was lost) is worth a job.
        if (st!.metadataEtag === undefined || st!.metadataEtag === head.etag) return void report.failedNeedsOperator++;
      }
      if (st) {
        const decision = decideRequeue(st, head.etag, now, policy);
        if (decision.action === 'stopped') return void report.requeueLimitReached++;
        if (decision.action === 'wait') return void report.backingOff++;
        if (!(await countRequeue(deps, st, head.etag, now, policy))) return void report.inProgress++;
      }
      batch.push({
        type: 'provision',
        dataset,
        metadataFile: fileName,
        etag: head.etag,
        dedupKey: `provision:${dataset.id}:${head.etag}`,
        correlationId,
        enqueuedAt: new Date(now).toISOString(),
        reason: 'reconcile',
      });
      return void report.enqueued++;
    }
    report.noMetadata++;
  }
}

/**
 * Records one more re-queue of `etag` in the dataset's record (compare-and-swap). False when the
 * record moved since it was read (a worker took it, another reconcile counted it): nothing is sent.
 */
async function countRequeue(deps: ReconcileDeps, seen: DatasetState, etag: string, now: number, policy: RequeuePolicy): Promise<boolean> {
  let counted = false;
  await deps.states.update(seen.dataset, (s) => {
    counted = false;
    if (s.updatedAt !== seen.updatedAt || requeuesOf(s, etag) !== requeuesOf(seen, etag)) return false;
    const count = requeuesOf(s, etag) + 1;
    s.requeues = { etag, count, lastAt: new Date(now).toISOString() };
    addHistory(
      s,
      'requeued by reconcile',
      count >= policy.limit ? `${count} of ${policy.limit}, the last automatic one: upload a new version or run s3od retry` : `${count} of ${policy.limit}`,
      new Date(now),
    );
    counted = true;
  });
  return counted;
}
