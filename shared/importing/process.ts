import { resolveClaimedDataset } from '../dataset/trust.ts';
import type { AnyImportJob, ImportJob } from '../queue/jobs.ts';
import type { ImportDeps } from './context.ts';
import { importTarget, knownTargets, type JobResult } from './context.ts';
import { freezeDataset, freezeJobFor, thawDataset } from './freeze.ts';
import { runListing } from './listing.ts';
import { runScheduledScan } from './scans.ts';
import { storageModeFor } from '../storage-modes/index.ts';

export type { JobResult } from './context.ts';

/**
 * Processes one batch of import-queue jobs. Object changes are grouped per dataset, so the
 * dataset's record is read once per batch and its counters written once; registrations run with
 * bounded concurrency. Results come back in job order, for partial batch failures.
 */
export async function processImportJobs(claimed: AnyImportJob[], deps: ImportDeps): Promise<JobResult[]> {
  const results: JobResult[] = new Array(claimed.length);
  const jobs: AnyImportJob[] = new Array(claimed.length);
  const byDataset = new Map<string, number[]>();
  const others: number[] = [];
  claimed.forEach((c, i) => {
    const vetted = vetImportJob(c, deps);
    if (!vetted.ok) {
      deps.log.warn('import job refused', { type: (c as { type?: unknown })?.type, reason: vetted.reason });
      results[i] = { ok: true, outcome: `refused: ${vetted.reason}` };
      return;
    }
    const j = (jobs[i] = vetted.job);
    if (j.type === 'import') {
      const list = byDataset.get(j.dataset.id) ?? [];
      list.push(i);
      byDataset.set(j.dataset.id, list);
    } else others.push(i);
  });
  await Promise.all([
    ...[...byDataset.values()].map((idx) =>
      processObjectChanges(
        idx.map((i) => jobs[i] as ImportJob),
        deps,
      ).then((r) => r.forEach((res, k) => (results[idx[k]!] = res))),
    ),
    ...others.map(async (i) => {
      try {
        results[i] = { ok: true, outcome: await processControlJob(jobs[i]!, deps) };
      } catch (error) {
        results[i] = { ok: false, error };
      }
    }),
  ]);
  return results;
}

/**
 * A job is a claim (see shared/dataset/trust.ts): its dataset is re-derived from the configured
 * bucket and, for an object change, from the object key itself; the derived dataset and relative
 * path replace what the job said. A job that does not hold up is refused, not retried.
 */
function vetImportJob(job: AnyImportJob, deps: ImportDeps): { ok: true; job: AnyImportJob } | { ok: false; reason: string } {
  if (job?.type === 'import') {
    if (job.dataset?.bucket !== deps.config.bucket || typeof job.key !== 'string') return { ok: false, reason: 'the job names another bucket or no key' };
    const cls = deps.classifier.classify(deps.config.bucket, job.key);
    const role = cls.kind === 'data' ? 'data' : cls.kind === 'running-marker' ? 'running-marker' : undefined;
    if (!role || role !== job.role) return { ok: false, reason: `the key is not a ${job.role} object of a dataset (${cls.kind})` };
    if (cls.kind !== 'data' && cls.kind !== 'running-marker') return { ok: false, reason: cls.kind };
    if (cls.dataset.id !== job.dataset.id) return { ok: false, reason: 'the key belongs to another dataset than the job names' };
    return { ok: true, job: { ...job, dataset: cls.dataset, relPath: cls.kind === 'data' ? cls.relPath : job.key.slice(cls.dataset.prefix.length + 1) } };
  }
  const resolved = resolveClaimedDataset(job?.dataset, deps.config.bucket, deps.classifier);
  return resolved.ok ? { ok: true, job: { ...job, dataset: resolved.dataset } } : resolved;
}

async function processControlJob(job: AnyImportJob, deps: ImportDeps): Promise<string> {
  switch (job.type) {
    case 'import-listing':
      return JSON.stringify(await runListing(deps, job));
    case 'import-scan':
      return runScheduledScan(deps, job);
    case 'import-freeze':
      return freezeDataset(deps, job);
    default:
      return 'unknown job type; dropped';
  }
}

/**
 * Whether `key` is in the bucket, by a listing of its own prefix: the import role may list the
 * bucket but not read data objects (serverless.yml). The key itself sorts first among its prefix.
 */
async function stillListed(objects: ImportDeps['objects'], key: string): Promise<boolean> {
  for await (const o of objects.list(key)) return 'key' in o && o.key === key;
  return false;
}

async function processObjectChanges(jobs: ImportJob[], deps: ImportDeps): Promise<JobResult[]> {
  const dataset = jobs[0]!.dataset;
  const results: JobResult[] = jobs.map(() => ({ ok: true, outcome: 'ignored' }));
  try {
    const markers = jobs.map((j, i) => [j, i] as const).filter(([j]) => j.role === 'running-marker');
    // Data-only batches of a dataset already seen ready need no read of its record.
    const cached = markers.length === 0 ? knownTargets.get(dataset.id) : undefined;
    const state = cached ? undefined : (await deps.states.read(dataset.id))?.state;

    // The .running marker: growing while it exists; its removal freezes the dataset.
    for (const [j, i] of markers) {
      if (!deps.config.continousFileImport.enabled) continue;
      if (j.change === 'created') {
        // A creation delivered after the marker's removal (events are not ordered) would leave the
        // dataset growing for good: only a marker still in the bucket makes it grow.
        if (!(await stillListed(deps.objects, j.key))) {
          results[i] = { ok: true, outcome: 'marker already gone; not growing' };
          continue;
        }
        await deps.states.update(dataset, (s) => {
          if (s.import.growing === true) return false;
          s.import.growing = true;
        });
        // Growth resumed after a freeze: the full size and (posix) continuous scanning back, as fs2od did.
        await thawDataset(deps, state);
        results[i] = { ok: true, outcome: 'growing' };
      } else {
        // A removal event is not proof that the marker is gone: in a versioned bucket, deleting an
        // old version of `.running` notifies ObjectRemoved:Delete while the current one stays, and
        // a removal can arrive after a newer creation. The bucket decides (one listing, rare events).
        if (await stillListed(deps.objects, j.key)) {
          results[i] = { ok: true, outcome: 'marker still there; not frozen' };
          continue;
        }
        // Only a marker that was there freezes: a repeated removal (a duplicate event, a delete of
        // a key that is already gone) finds the dataset not growing and does nothing.
        let wasGrowing = false;
        await deps.states.update(dataset, (s) => {
          wasGrowing = s.import.growing === true;
          if (!wasGrowing) return false;
          s.import.growing = false;
        });
        if (wasGrowing && state?.status === 'provisioned') {
          await deps.enqueue(freezeJobFor(dataset, j.sequencer ?? j.eventTime));
          results[i] = { ok: true, outcome: 'freeze requested' };
        } else results[i] = { ok: true, outcome: wasGrowing ? 'not provisioned yet; nothing to freeze' : 'was not growing' };
      }
    }

    const data = jobs.map((j, i) => [j, i] as const).filter(([j]) => j.role === 'data');
    if (data.length === 0) return results;
    const mode = storageModeFor(deps.config);
    let target = cached;
    if (!target) {
      if (!mode.readyForImport(state)) {
        // Not lost: the dataset's first import (the listing or scan at the end of provisioning) covers them.
        for (const [, i] of data) results[i] = { ok: true, outcome: 'dataset not provisioned yet; covered by its first import' };
        return results;
      }
      target = importTarget(state);
      knownTargets.set(dataset.id, target);
    }
    const changed = await mode.importDataChanges(
      deps,
      dataset,
      target,
      data.map(([j]) => j),
    );
    data.forEach(([, i], k) => (results[i] = changed[k]!));
  } catch (error) {
    return jobs.map(() => ({ ok: false, error }));
  }
  return results;
}
