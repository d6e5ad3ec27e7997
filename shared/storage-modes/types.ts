import type { S3odConfig, S3odSecrets, StorageModeName } from '../config/schema.ts';
import type { DatasetRef } from '../dataset/ref.ts';
import type { ImportDeps, ImportTarget, JobResult } from '../importing/context.ts';
import type { StorageDetails, StorageImportRequest, StorageSpec } from '../onedata/index.ts';
import type { ImportFreezeJob, ImportJob, ImportListingJob } from '../queue/jobs.ts';
import { STEP } from '../provisioning/step-names.ts';
import type { DatasetState } from '../state/dataset-state.ts';
import type { ObjectStore } from '../storage/objects.ts';

/** What a mode needs to describe a dataset's storage. */
export interface StorageSpecInput {
  config: S3odConfig;
  secrets: S3odSecrets;
  dataset: DatasetRef;
  /** The dataset's Onedata name. */
  name: string;
  /** Identity marks the storage carries (QoS parameters), so only this dataset ever adopts it. */
  marks: Record<string, string>;
}

/** What the end of provisioning may use to start the first import. */
export interface InitialImportContext {
  dataset: DatasetRef;
  spaceId: string;
  forceStartImport(spaceId: string): Promise<unknown>;
  enqueueListing(job: ImportListingJob): Promise<void>;
}

/**
 * How data of a dataset reaches its space. Every difference between the storage modes lives
 * behind this interface; the rest of s3od asks the configured mode (`storageModeFor`) and never
 * tests the mode's name. Adding a mode: implement this interface in a file of its own and add it
 * to the table in `index.ts` (docs/architecture.md, "Adding a storage mode").
 */
export interface StorageMode {
  readonly name: StorageModeName;
  /** The Onepanel storage created for one dataset (imported and read-only in every mode). */
  storageSpec(input: StorageSpecInput): StorageSpec;
  /** Whether a storage found on Onepanel stands where `spec` would put it (adoption after a lost answer). */
  isSamePlace(found: StorageDetails, spec: StorageSpec): boolean;
  /** The storage-import settings of the dataset's support (fixed once the space is supported). */
  supportImport(config: S3odConfig): StorageImportRequest;
  /** Whether data events of the dataset can reach its space now; otherwise its first import covers them. */
  readyForImport(state: DatasetState | undefined): state is DatasetState;
  /** The last provisioning step: bring into the space what the folder already holds. */
  startInitialImport(ctx: InitialImportContext): Promise<void>;
  /** Data objects created or removed in a dataset that is ready: one result per job, in order. */
  importDataChanges(deps: ImportDeps, dataset: DatasetRef, target: ImportTarget, jobs: ImportJob[]): Promise<JobResult[]>;
  /**
   * Freeze, first part: the final import pass. Starts it (the job has no `scanStarted` yet) or
   * checks on it; 'waiting' means a delayed job comes back here, 'ended' that the freeze goes on.
   */
  finalImportPass(deps: ImportDeps, job: ImportFreezeJob, spaceId: string): Promise<'waiting' | 'ended'>;
  /** The invite token as written into files in the dataset's folder (some modes publish that folder). */
  inviteTokenInFolder(config: S3odConfig, recorded: string | undefined): string | undefined;
  /** Whether the dataset's initial import is a recorded listing that stopped short (reconcile re-queues it). */
  initialImportStalled(state: DatasetState, now: number, stuckAfterMs: number): boolean;
  /** One line for `s3od config`: where the storages point. */
  describe(config: S3odConfig): string;
  /** Where the dataset's data is, as people and registers name it (DAREG's `path`): a folder path or the key prefix. */
  datasetLocation(config: S3odConfig, dataset: DatasetRef): string;
  /**
   * Deletes the dataset's data from the facility bucket (expiry with `removeFromFilesystem`, only
   * after the primary support is revoked); the operator's files and s3od's own stay. Returns the count.
   */
  removeDatasetObjects(objects: ObjectStore, config: S3odConfig, dataset: DatasetRef): Promise<number>;
}

/** The provider sees the space: the saga's wait succeeded, or the dataset was adopted provisioned. */
export function providerSeesSpace(state: DatasetState | undefined): state is DatasetState {
  return Boolean(state?.outputs.spaceId) && (Boolean(state!.completedSteps[STEP.waitForProvider]) || state!.status === 'provisioned');
}
