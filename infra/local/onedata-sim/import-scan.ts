/**
 * Auto storage import. A scan runs for `scanDurationMs`, then reconciles the space with the storage's
 * simulated content (`POST /_sim/storage-content`): new objects become files (plus missing parent
 * directories), changed ones count as modified, vanished ones are deleted. Continuous scans repeat after
 * `scanInterval` seconds.
 */
import { ensureFile, findByPath, removeNode, splitPath } from './files.ts';
import type { AutoImportConfig, Provider, Support } from './model.ts';
import { scanKey, type Sim } from './sim.ts';

export const DEFAULT_AUTO_CONFIG: Readonly<AutoImportConfig> = Object.freeze({
  maxDepth: 65535,
  syncAcl: false,
  continuousScan: false,
  scanInterval: 60,
  detectModifications: true,
  detectDeletions: true,
});

export function isScanRunning(support: Support): boolean {
  return support.scan?.status === 'running' || support.scan?.status === 'aborting' || support.scan?.status === 'enqueued';
}

export function startScan(sim: Sim, provider: Provider, support: Support): void {
  const previous = support.scan;
  support.scan = {
    status: 'running',
    start: sim.nowS(),
    stop: 0,
    createdFiles: 0,
    modifiedFiles: 0,
    deletedFiles: 0,
    unmodifiedFiles: 0,
    failedFiles: 0,
    totalScans: (previous?.totalScans ?? 0) + 1,
  };
  sim.jobTimers.after(sim.knobs.scanDurationMs, () => finishScan(sim, provider, support.spaceId), scanKey(provider.id, support.spaceId));
}

/** Asks a running scan to stop; it becomes `aborted` shortly after. */
export function stopScan(sim: Sim, provider: Provider, support: Support): void {
  if (!support.scan || !isScanRunning(support)) return;
  support.scan.status = 'aborting';
  sim.jobTimers.after(Math.min(20, sim.knobs.scanDurationMs), () => finishScan(sim, provider, support.spaceId), scanKey(provider.id, support.spaceId));
}

function finishScan(sim: Sim, provider: Provider, spaceId: string): void {
  const support = provider.supports.get(spaceId);
  const scan = support?.scan;
  if (!support || !scan) return;
  scan.stop = sim.nowS();
  if (scan.status === 'aborting') {
    scan.status = 'aborted';
    return;
  }
  reconcile(sim, provider, support);
  scan.status = 'completed';
  const config = support.autoConfig;
  delete scan.nextScan;
  if (config?.continuousScan) {
    scan.nextScan = scan.stop + config.scanInterval;
    sim.jobTimers.after(config.scanInterval * 1000, () => startScan(sim, provider, support), scanKey(provider.id, spaceId));
  }
}

function reconcile(sim: Sim, provider: Provider, support: Support): void {
  const scan = support.scan;
  const storage = provider.storages.get(support.storageId);
  if (!scan || !storage) return;
  const config = support.autoConfig ?? DEFAULT_AUTO_CONFIG;
  const firstScan = scan.totalScans === 1;
  const content = storage.content ?? new Map();
  const seen = new Set<string>();
  for (const [path, object] of content) {
    const segments = splitPath(path);
    if (!segments || segments.length > config.maxDepth) continue;
    seen.add(segments.join('/'));
    const existing = findByPath(sim, support.spaceId, segments);
    if (!existing) {
      const { node, created } = ensureFile(sim, support.spaceId, segments, 'imported', provider.id, null);
      Object.assign(node, { size: object.size, mtime: object.mtime, ctime: object.mtime, storageId: storage.id, storageFileId: `/${segments.join('/')}` });
      node.mode = typeof storage.params['fileMode'] === 'string' ? String(storage.params['fileMode']).replace(/^0/, '') : '664';
      scan.createdFiles += created;
    } else if ((firstScan || config.detectModifications) && (existing.size !== object.size || existing.mtime !== object.mtime)) {
      Object.assign(existing, { size: object.size, mtime: object.mtime, ctime: sim.nowS() });
      scan.modifiedFiles++;
    } else {
      scan.unmodifiedFiles++;
    }
  }
  if (!firstScan && !config.detectDeletions) return;
  for (const node of [...sim.state.spaceFiles(support.spaceId).values()]) {
    if (node.origin !== 'imported' || node.storageId !== storage.id || !node.storageFileId) continue;
    if (!seen.has(node.storageFileId.replace(/^\//, ''))) scan.deletedFiles += removeNode(sim, node);
  }
}
