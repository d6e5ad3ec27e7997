import type { ImportListingJob } from '../queue/jobs.ts';
import type { VersionedState } from '../state/state-store.ts';
import type { ImportDeps } from './context.ts';
import { importTarget } from './context.ts';
import { freezeJobFor } from './freeze.ts';
import { registerObjects, type ObjectToRegister } from './register.ts';
import { s3Mode } from '../storage-modes/s3.ts';

/** Stop a page early when less than this is left of the invocation; the rest goes to a new job. */
const TIME_RESERVE_MS = 15_000;

/**
 * s3 mode: registers every data object already under the dataset's folder (those that arrived
 * before the space existed, and the final pass of a freeze). Paged; progress (`startAfter`) is
 * recorded after each page, and a job that runs short of time continues in a new job, so a
 * folder of millions of objects is walked once, in pieces.
 */
export async function runListing(deps: ImportDeps, job: ImportListingJob): Promise<{ registered: number; failed: number; continued: boolean }> {
  const vs = await deps.states.read(job.dataset.id);
  // Listings are s3 mode's import: they register into the dataset's storage.
  if (!s3Mode.readyForImport(vs?.state)) {
    deps.log.warn('listing for a dataset that is not ready; dropped', { dataset: job.dataset.prefix });
    return { registered: 0, failed: 0, continued: false };
  }
  const state = vs.state;
  const pageSize = deps.config.import.registrationBatchSize;
  let registered = 0;
  let failed = 0;
  let page: ObjectToRegister[] = [];
  // The version this job last read or wrote: each progress write tries it first (one PUT, no GET,
  // while no one else wrote the record meanwhile; StateStore.update).
  let known: VersionedState = vs;

  /** Registers one page and records progress, so a new job resumes after `last`. */
  const flush = async (last: string | undefined, done: boolean): Promise<void> => {
    const r = page.length ? await registerObjects(deps, job.dataset, importTarget(state), page) : { registered: 0, failed: [], retry: [] };
    // The listing is itself the retry: a transient failure fails the job, which resumes from the recorded key.
    if (r.retry.length) throw r.retry[0]!.error;
    for (const f of r.failed) deps.log.warn('object could not be registered', { key: f.key, reason: f.reason });
    registered += r.registered;
    failed += r.failed.length;
    const listed = page.length;
    page = [];
    known = await deps.states.update(
      job.dataset,
      (s) => {
        s.import.listing = { done, listed: (s.import.listing?.listed ?? 0) + listed, ...(last && !done ? { startAfter: last } : {}) };
        s.import.registered += r.registered;
        s.import.failed += r.failed.length;
        if (done) s.import.lastImportAt = new Date(deps.now?.() ?? Date.now()).toISOString();
      },
      known,
    );
  };

  // A redelivered job resumes where the record says the last attempt got to.
  const resumeFrom = job.startAfter ?? (state.import.listing && !state.import.listing.done ? state.import.listing.startAfter : undefined);
  let lastKey: string | undefined;
  for await (const o of deps.objects.list(`${job.dataset.prefix}/`, resumeFrom ? { startAfter: resumeFrom } : {})) {
    if (!('key' in o)) continue;
    lastKey = o.key;
    const cls = deps.classifier.classify(job.dataset.bucket, o.key);
    // Only data: the metadata file (it may hold the invite token), s3od's own objects and the
    // .running marker never go into the space.
    if (cls.kind !== 'data' || cls.dataset.id !== job.dataset.id) continue;
    page.push({ key: o.key, relPath: cls.relPath, size: o.size, ...(o.lastModified ? { mtime: Math.floor(o.lastModified.getTime() / 1000) } : {}) });
    if (page.length >= pageSize) {
      await flush(lastKey, false);
      if ((deps.remainingMs?.() ?? Infinity) < TIME_RESERVE_MS) {
        await deps.enqueue({ ...job, startAfter: lastKey });
        return { registered, failed, continued: true };
      }
    }
  }
  await flush(undefined, true);
  if (job.thenFreeze) await deps.enqueue({ ...freezeJobFor(job.dataset, job.thenFreeze), scanStarted: true });
  deps.log.info('listing registered the folder', { dataset: job.dataset.prefix, registered, failed });
  return { registered, failed, continued: false };
}
