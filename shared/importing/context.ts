import type { S3odConfig } from '../config/schema.ts';
import type { KeyClassifier } from '../events/classify.ts';
import type { Logger } from '../log/index.ts';
import type { OnedataClient } from '../onedata/index.ts';
import type { AnyImportJob } from '../queue/jobs.ts';
import type { DatasetState } from '../state/dataset-state.ts';
import type { StateStore } from '../state/state-store.ts';
import type { ObjectStore } from '../storage/objects.ts';

export interface ImportDeps {
  config: S3odConfig;
  classifier: KeyClassifier;
  onedata: OnedataClient;
  objects: ObjectStore;
  states: StateStore;
  /** Puts a job on the import queue, optionally delayed (SQS DelaySeconds, at most 900). */
  enqueue(job: AnyImportJob, delaySeconds?: number): Promise<void>;
  log: Logger;
  /** Milliseconds this invocation may still run; long listings stop early and continue in a new job. */
  remainingMs?: () => number;
  now?: () => number;
}

/** What happened to one job of a batch: done (acknowledge) or an error (retry). */
export type JobResult = { ok: true; outcome: string } | { ok: false; error: unknown };

/** Where a dataset's objects are registered. */
export interface ImportTarget {
  spaceId: string;
  storageId: string;
}

export function importTarget(state: DatasetState): ImportTarget {
  return { spaceId: state.outputs.spaceId!, storageId: state.outputs.storageId ?? '' };
}

/**
 * Targets of datasets seen ready, per container: they never change once set, so a batch of data
 * events for a known dataset needs no read of its record.
 */
export const knownTargets = new Map<string, ImportTarget>();
