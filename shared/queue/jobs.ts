import type { DatasetRef } from '../events/classify.ts';

/** Provision (or re-check) one dataset; sent when its metadata file is created or rewritten. */
export interface ProvisionJob {
  type: 'provision';
  dataset: DatasetRef;
  /** The metadata file that triggered the job (a name from `metadataFiles`). */
  metadataFile: string;
  etag?: string;
  /** Same dataset + same ETag = same job: consumers treat repeats as no-ops. */
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

export type Job = ProvisionJob | ImportJob;
