import { removeDatasetObjects } from './remove-objects.ts';
import { datasetMountPoint } from '../dataset/mount-point.ts';
import { requestScan } from '../importing/scans.ts';
import type { JobResult } from '../importing/context.ts';
import type { StorageSpec } from '../onedata/index.ts';
import { PermanentProvisioningError } from '../provisioning/errors.ts';
import { providerSeesSpace, type StorageMode } from './types.ts';

/** What the `InviteToken` key says in posix mode when the operator has not opted in to publishing it. */
export const WITHHELD_INVITE_TOKEN = 'withheld: posix mode publishes this folder (see posixStorage.publishInviteToken)';

/** How often to look at a running final scan, as a delayed job rather than a sleep. */
const SCAN_POLL_SECONDS = 2;

/** Storage-import states in which a scan has not ended yet. */
const SCAN_RUNNING = ['enqueued', 'running', 'aborting'];

/**
 * posix (fs2od-compatible): the Oneprovider mounts the filesystem the bucket mirrors; one
 * imported, read-only POSIX storage per dataset at `mountRoot/<folder>`, with Onedata's auto
 * import. New data asks for a coalesced scan (shared/importing/scans.ts). A scan imports the
 * whole folder — the metadata file and `.fs2od` included — into a publicly shared space.
 */
export const posixMode: StorageMode = {
  name: 'posix',

  storageSpec({ config, dataset, name, marks }) {
    let mountPoint: string;
    try {
      mountPoint = datasetMountPoint(config.posixStorage.mountRoot, dataset.prefix);
    } catch (e) {
      throw new PermanentProvisioningError((e as Error).message, 'unsafeMountPoint');
    }
    return { type: 'posix', name, mountPoint, importedStorage: true, readonly: true, qosParameters: marks };
  },

  isSamePlace(found, spec) {
    return found.type === 'posix' && found.mountPoint === (spec as Extract<StorageSpec, { type: 'posix' }>).mountPoint;
  },

  supportImport(config) {
    const c = config.continousFileImport;
    return {
      mode: 'auto',
      autoStorageImportConfig: {
        continuousScan: c.enabled,
        scanInterval: c.scanInterval,
        detectModifications: c.detectModifications,
        detectDeletions: c.detectDeletions,
      },
    };
  },

  readyForImport(state): state is NonNullable<typeof state> {
    // Only a scan of the space is asked for: this also works for datasets fs2od provisioned and
    // `s3od backfill` adopted (a space id, no saga steps, no storage id).
    return providerSeesSpace(state);
  },

  async startInitialImport({ spaceId, forceStartImport }) {
    // 409 (a scan is already running, e.g. the automatic first one) counts as started.
    await forceStartImport(spaceId);
  },

  async importDataChanges(deps, dataset, _target, jobs) {
    const r = await requestScan(deps, dataset);
    return jobs.map((): JobResult => ({ ok: true, outcome: `scan ${r}` }));
  },

  async finalImportPass(deps, job, spaceId) {
    if (!job.scanStarted) {
      await deps.onedata.panel.forceStartImport(spaceId);
      await deps.enqueue({ ...job, scanStarted: true }, SCAN_POLL_SECONDS);
      return 'waiting';
    }
    const info = await deps.onedata.panel.getImportInfo(spaceId);
    if (SCAN_RUNNING.includes(info.status)) {
      await deps.enqueue(job, SCAN_POLL_SECONDS);
      return 'waiting';
    }
    return 'ended';
  },

  inviteTokenInFolder(config, recorded) {
    // The folder is imported into a space whose share is public: unless the operator opted in,
    // the token stays in the record (outside every dataset folder) and the folder says why.
    return config.posixStorage.publishInviteToken ? recorded : WITHHELD_INVITE_TOKEN;
  },

  initialImportStalled() {
    // The first import is Onedata's own scan: nothing of s3od's to resume.
    return false;
  },

  describe(config) {
    return `mount root ${config.posixStorage.mountRoot}`;
  },

  /** The storage's mount point (fs2od sent a filesystem path — its parent's: bug 38); the prefix if it cannot be one. */
  datasetLocation(config, dataset) {
    try {
      return datasetMountPoint(config.posixStorage.mountRoot, dataset.prefix);
    } catch {
      return dataset.prefix; // a prefix that could not be a mount point never got a storage
    }
  },

  // the POSIX folder is the bucket's mirror: the data goes from the bucket, the mirror follows.
  removeDatasetObjects(objects, config, dataset) {
    return removeDatasetObjects(objects, config, dataset);
  },
};
