import type { S3odConfig, S3odSecrets } from '../config/schema.ts';
import type { DatasetResolver } from '../dataset/trust.ts';
import type { Logger, SecretScope } from '../log/index.ts';
import type { MetadataDocument } from '../metadata/index.ts';
import type { LifecycleProvider } from '../lifecycle/providers.ts';
import type { OnedataClient } from '../onedata/index.ts';
import type { ImportListingJob } from '../queue/jobs.ts';
import type { VersionedState } from '../state/state-store.ts';
import type { StateStore } from '../state/state-store.ts';
import type { ObjectStore } from '../storage/objects.ts';
import type { ProvisioningOutputs } from '../state/dataset-state.ts';
import type { Mailer } from '../notifications/transport.ts';

/** What the provisioning saga needs from the outside world; built once per function container. */
export interface ProvisioningDeps {
  config: S3odConfig;
  secrets: S3odSecrets;
  onedata: OnedataClient;
  /**
   * Every configured Oneprovider, the primary first (shared/runtime/onedata.ts): the replication
   * steps support the space on the secondaries. Absent where no replication is configured.
   */
  providers?: LifecycleProvider[];
  objects: ObjectStore;
  states: StateStore;
  /** Queues the registration of objects already in the bucket (s3 mode). */
  enqueueListing(job: ImportListingJob): Promise<void>;
  log: Logger;
  /** The SMTP mailer when email is enabled (shared/runtime/mail.ts): the "dataset ready" mail. */
  mailer?: Mailer;
  now?: () => Date;
  /** Re-derives a job's dataset from its folder (default: a classifier compiled from `config`). */
  classifier?: DatasetResolver;
  /**
   * The fault suite's hook (fault-hook.ts): true makes the worker "die" right after recording the
   * step. Injected by the provision handler from its environment; absent in production.
   */
  crashAfterStep?: (step: string, datasetName: string) => boolean;
}

/** The metadata file as read at the start of this run. */
export interface MetadataSnapshot {
  key: string;
  fileName: string;
  etag: string;
  text: string;
  doc: MetadataDocument;
}

/** One run of the saga for one dataset: the record (with this worker's lease) and what was read. */
export interface SagaRun {
  deps: ProvisioningDeps;
  record: VersionedState;
  metadata: MetadataSnapshot;
  /** The Onedata name (space, storage, group, token, share). */
  name: string;
  /**
   * True when an earlier run may have sent a create whose answer was lost (a crash, a timeout):
   * steps then look for the object before creating it. False on a dataset's very first run, so
   * the common path makes no lookup calls.
   */
  mayHaveRunBefore: boolean;
  /**
   * Resolves while this worker holds the dataset's lease (DatasetLease.confirm), throws
   * LeaseLostError once another has it: called right before every unguarded create.
   */
  confirmLease: () => Promise<void>;
  log: Logger;
  outputs: ProvisioningOutputs;
  /** Masks the run's secrets (the invite token it creates or adopts) in log lines until the run ends. */
  redaction: SecretScope;
}
