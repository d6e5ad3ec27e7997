import { removeDatasetObjects } from './remove-objects.ts';
import { randomUUID } from 'node:crypto';
import { recordImportCounts } from '../importing/counters.ts';
import { registerObjects } from '../importing/register.ts';
import type { JobResult } from '../importing/context.ts';
import type { StorageSpec } from '../onedata/index.ts';
import { providerSeesSpace, type StorageMode } from './types.ts';

/**
 * s3 (native): one imported, read-only S3 storage per dataset on the facility bucket; each object
 * is registered into the space one by one (an upsert), and the first import is a listing of the
 * folder. The storage's import mode is manual: an auto scan of an S3 storage would import the
 * whole bucket into every space.
 */
export const s3Mode: StorageMode = {
  name: 's3',

  storageSpec({ config, secrets, name, marks }) {
    return {
      type: 's3',
      name,
      hostname: config.s3Storage.endpoint,
      bucketName: config.s3Storage.bucketName,
      ...(secrets.storageAccessKey ? { accessKey: secrets.storageAccessKey } : {}),
      ...(secrets.storageSecretKey ? { secretKey: secrets.storageSecretKey } : {}),
      importedStorage: true,
      readonly: true,
      // Onedata's requirements for an imported object store (the S3 defaults are flat and 10 MiB).
      storagePathType: 'canonical',
      blockSize: 0,
      qosParameters: marks,
    };
  },

  isSamePlace(found, spec) {
    return found.type === 's3' && found.bucketName === (spec as Extract<StorageSpec, { type: 's3' }>).bucketName;
  },

  supportImport() {
    return { mode: 'manual' };
  },

  readyForImport(state): state is NonNullable<typeof state> {
    // Registration goes into the dataset's own storage: its id must be known.
    return providerSeesSpace(state) && Boolean(state.outputs.storageId);
  },

  async startInitialImport({ dataset, enqueueListing }) {
    await enqueueListing({ type: 'import-listing', dataset, dedupKey: `listing:${dataset.id}`, correlationId: randomUUID() });
  },

  async importDataChanges(deps, dataset, target, jobs) {
    const log = deps.log.child({ dataset: dataset.prefix });
    const created = jobs.map((j, i) => [j, i] as const).filter(([j]) => j.change === 'created');
    const removed = jobs.map((j, i) => [j, i] as const).filter(([j]) => j.change === 'removed');
    const reg = await registerObjects(
      deps,
      dataset,
      target,
      created.map(([j]) => ({
        key: j.key,
        relPath: j.relPath,
        ...(j.size !== undefined ? { size: j.size } : {}),
        mtime: Math.floor(Date.parse(j.eventTime) / 1000) || undefined,
      })),
    );
    const results: JobResult[] = jobs.map(() => ({ ok: true, outcome: 'ignored' }));
    const retryKeys = new Map(reg.retry.map((r) => [r.key, r.error]));
    const failedKeys = new Set(reg.failed.map((f) => f.key));
    for (const [j, i] of created) {
      if (retryKeys.has(j.key)) results[i] = { ok: false, error: retryKeys.get(j.key) };
      else results[i] = { ok: true, outcome: failedKeys.has(j.key) ? 'failed permanently' : 'registered' };
    }
    for (const f of reg.failed) log.warn('object could not be registered', { key: f.key, reason: f.reason });
    // A removed object stays listed in the space: Onedata 21.02 has no way to unregister a file,
    // and deleting it through Oneprovider would try to delete it on the (read-only) storage.
    for (const [, i] of removed) results[i] = { ok: true, outcome: 'removal recorded' };
    await recordImportCounts(
      deps.states,
      dataset,
      { registered: reg.registered, failed: reg.failed.length, removed: removed.length },
      new Date(deps.now?.() ?? Date.now()).toISOString(),
    );
    return results;
  },

  async finalImportPass(deps, job) {
    if (job.scanStarted) return 'ended';
    // A listing of the whole folder (registration is an upsert); it comes back to the freeze with
    // `scanStarted` set when it has walked the folder.
    await deps.enqueue({
      type: 'import-listing',
      dataset: job.dataset,
      thenFreeze: job.freezeKey,
      dedupKey: `listing:${job.dataset.id}:${job.freezeKey}`,
      correlationId: job.correlationId,
    });
    return 'waiting';
  },

  inviteTokenInFolder(_config, recorded) {
    // The metadata file and s3od's own objects are never registered into the space.
    return recorded;
  },

  initialImportStalled(state, now, stuckAfterMs) {
    return !state.import.listing?.done && now - Date.parse(state.updatedAt) >= stuckAfterMs;
  },

  describe(config) {
    return `S3 endpoint ${config.s3Storage.endpoint}, bucket ${config.s3Storage.bucketName}`;
  },

  datasetLocation(_config, dataset) {
    return dataset.prefix;
  },

  // the registered objects are the bucket's own: deleting them is deleting the data.
  removeDatasetObjects(objects, config, dataset) {
    return removeDatasetObjects(objects, config, dataset);
  },
};
