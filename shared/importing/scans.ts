import { randomUUID } from 'node:crypto';
import type { DatasetRef } from '../dataset/ref.ts';
import type { ImportScanJob } from '../queue/jobs.ts';
import type { ImportDeps } from './context.ts';
import { acquireScanSlot } from './scan-slots.ts';

/** SQS caps DelaySeconds at 15 minutes. */
export const MAX_DELAY_SECONDS = 900;

/**
 * posix mode: data events coalesce into at most one storage-import scan per dataset per window.
 * The first event after a quiet window schedules a scan at once; events while a scan is
 * scheduled are already covered by it; events after a scan started schedule one more, at the end
 * of the window, so the last write is always picked up.
 */
export async function requestScan(deps: ImportDeps, dataset: DatasetRef, minDelayMs = 0): Promise<'scheduled' | 'covered'> {
  const now = deps.now?.() ?? Date.now();
  const windowMs = deps.config.import.coalesceWindowSeconds * 1000;
  let dueAt: number | undefined;
  await deps.states.update(dataset, (s) => {
    dueAt = undefined;
    const scan = (s.import.scan ??= {});
    if (scan.scheduledFor) return false;
    const last = scan.startedAt ? Date.parse(scan.startedAt) : -Infinity;
    dueAt = Math.max(now + minDelayMs, last + windowMs);
    scan.scheduledFor = new Date(dueAt).toISOString();
  });
  if (dueAt === undefined) return 'covered';
  await enqueueScan(deps, dataset, dueAt, now);
  return 'scheduled';
}

async function enqueueScan(deps: ImportDeps, dataset: DatasetRef, dueAt: number, now: number): Promise<void> {
  const job: ImportScanJob = {
    type: 'import-scan',
    dataset,
    dueAt: new Date(dueAt).toISOString(),
    dedupKey: `scan:${dataset.id}:${dueAt}`,
    correlationId: randomUUID(),
  };
  await deps.enqueue(job, Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((dueAt - now) / 1000))));
}

/**
 * Runs a scheduled scan: clears the schedule first (so events from now on schedule the next
 * scan), then force-starts. When a scan is already running (409), it may have passed the new
 * objects already, so one more is scheduled for after the window.
 */
export async function runScheduledScan(deps: ImportDeps, job: ImportScanJob): Promise<'started' | 'rescheduled' | 'stale'> {
  const now = deps.now?.() ?? Date.now();
  let spaceId: string | undefined;
  let stale = false;
  await deps.states.update(job.dataset, (s) => {
    const scan = (s.import.scan ??= {});
    stale = scan.scheduledFor !== job.dueAt;
    if (stale) return false;
    spaceId = s.outputs.spaceId;
    delete scan.scheduledFor;
    scan.startedAt = new Date(now).toISOString();
  });
  // A duplicate delivery of a scan job that already ran (or was superseded) does nothing.
  if (stale) return 'stale';
  if (!spaceId) return 'stale';
  const scanStatus = async (sid: string) => (await deps.onedata.panel.getImportInfo(sid)).status;
  const slot = await acquireScanSlot(deps.objects, spaceId, job.dataset.id, deps.config.import.maxParallelScans, scanStatus, now);
  const result = slot ? await deps.onedata.panel.forceStartImport(spaceId) : 'noSlot';
  if (result !== 'started') {
    // The same coalescing as for events (startedAt was just set, so: after the window), at least
    // a second later so a running scan is not asked again in a tight loop.
    await requestScan(deps, job.dataset, 1000);
    deps.log.info(slot ? 'scan already running; another one scheduled after it' : 'parallel scan limit reached; scan rescheduled', {
      dataset: job.dataset.prefix,
    });
    return 'rescheduled';
  }
  const info = await deps.onedata.panel.getImportInfo(spaceId).catch(() => undefined);
  await deps.states.update(job.dataset, (s) => {
    const scan = (s.import.scan ??= {});
    scan.forceStarts = (scan.forceStarts ?? 0) + 1;
    if (info) {
      scan.status = info.status;
      if (info.createdFiles !== undefined) scan.createdFiles = info.createdFiles;
      if (info.modifiedFiles !== undefined) scan.modifiedFiles = info.modifiedFiles;
      if (info.deletedFiles !== undefined) scan.deletedFiles = info.deletedFiles;
    }
    s.import.lastImportAt = new Date(now).toISOString();
  });
  deps.log.info('storage import scan started', { dataset: job.dataset.prefix });
  return 'started';
}
