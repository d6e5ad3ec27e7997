import type { DatasetRef } from '../dataset/ref.ts';

/**
 * The jobs s3od puts on its two queues (catalogue with senders and consumers: docs/architecture.md).
 *
 * `dedupKey` names what a job is about (e.g. the dataset and the metadata version). Only
 * on-object-event reads it, to send one job per key from one notification batch
 * (shared/events/route.ts); consumers do not: they are idempotent instead (the record's
 * `metadataEtag`, the lease, upserts, `freezeKey`).
 */

/** Provision (or re-check) one dataset; sent when its metadata file is created or rewritten. */
export interface ProvisionJob {
  type: 'provision';
  dataset: DatasetRef;
  /** The metadata file that triggered the job (a name from `metadataFiles`). */
  metadataFile: string;
  etag?: string;
  /** Same dataset + same ETag: one job per notification batch (see above). */
  dedupKey: string;
  /** Correlates log lines from the bucket event to every Onedata call. */
  correlationId: string;
  enqueuedAt: string;
  /** Why: "event" (notification), "retry" (operator), "reconcile", "backfill". */
  reason: 'event' | 'retry' | 'reconcile' | 'backfill';
}

/** A change of one object inside a dataset (a data object or the `.running` marker). */
export interface ImportJob {
  type: 'import';
  dataset: DatasetRef;
  role: 'data' | 'running-marker';
  change: 'created' | 'removed';
  key: string;
  /** Path relative to the dataset folder (where the file appears in the space). */
  relPath: string;
  size?: number;
  etag?: string;
  sequencer?: string;
  eventTime: string;
  dedupKey: string;
  correlationId: string;
}

/**
 * s3 mode: register the objects that were already in the dataset's folder when its space was
 * created (they had no space to go to). Paged and resumable: a job that times out re-enqueues
 * itself from `startAfter`.
 */
export interface ImportListingJob {
  type: 'import-listing';
  dataset: DatasetRef;
  startAfter?: string;
  /** Set for the final pass of a freeze: run the freeze actions when the listing is complete. */
  thenFreeze?: string;
  dedupKey: string;
  correlationId: string;
}

/** posix mode: a coalesced storage-import scan, due at `dueAt` (sent with an SQS delay). */
export interface ImportScanJob {
  type: 'import-scan';
  dataset: DatasetRef;
  dueAt: string;
  dedupKey: string;
  correlationId: string;
}

/**
 * The `.running` marker was removed: the dataset is complete. Final import pass, then shrink the
 * support to the occupied size and refresh the published metadata (fs2od's "freeze").
 * `freezeKey` identifies the removal, so a redelivered job freezes once.
 */
export interface ImportFreezeJob {
  type: 'import-freeze';
  dataset: DatasetRef;
  freezeKey: string;
  /** posix: the final scan was started; wait for it to end. */
  scanStarted?: boolean;
  dedupKey: string;
  correlationId: string;
}

export type AnyImportJob = ImportJob | ImportListingJob | ImportScanJob | ImportFreezeJob;

export type Job = ProvisionJob | AnyImportJob;
