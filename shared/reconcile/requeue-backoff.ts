/**
 * When reconcile may put a dataset back on the provision queue.
 *
 * Each re-queue gives the dataset a fresh set of queue deliveries, so without a bound a dataset
 * that keeps failing (Onedata refusing, a worker killed by the file itself) would be retried every
 * 15 minutes forever. Re-queues of one metadata-file version are counted in the dataset's record
 * and spaced exponentially from the record's last change; after `limit` of them reconcile stops
 * until the file changes (a new version starts at zero) or `s3od retry` clears the count.
 */
import type { DatasetState } from '../state/dataset-state.ts';
import { exponentialCeiling } from '../retry/index.ts';

export interface RequeuePolicy {
  /** Wait before the first re-queue of a version, counted from the record's last change. */
  baseMs: number;
  /** Longest wait between two re-queues. */
  maxMs: number;
  /** Re-queues of one version before reconcile stops. */
  limit: number;
}

/** 15 min, 30 min, 1 h, 2 h, 4 h, 8 h, 16 h, 24 h: eight re-queues over about two and a half days. */
export const DEFAULT_REQUEUE_POLICY: Readonly<RequeuePolicy> = Object.freeze({ baseMs: 15 * 60_000, maxMs: 24 * 3600_000, limit: 8 });

export type RequeueDecision =
  /** Put it back now; `count` is this re-queue's number for the version (1-based). */
  | { action: 'requeue'; count: number }
  /** Not before `notBefore` (ms since the epoch). */
  | { action: 'wait'; notBefore: number; count: number }
  /** `limit` re-queues of this version were spent: only a new version or `s3od retry` resumes. */
  | { action: 'stopped'; count: number };

/** Re-queues already spent on `etag` (0 for a version reconcile has not re-queued). */
export function requeuesOf(state: Pick<DatasetState, 'requeues'>, etag: string): number {
  return state.requeues?.etag === etag ? state.requeues.count : 0;
}

/** The wait before re-queue number `done + 1` of a version. */
export function requeueDelayMs(done: number, policy: RequeuePolicy = DEFAULT_REQUEUE_POLICY): number {
  return exponentialCeiling(done, policy.baseMs, policy.maxMs);
}

/**
 * The decision for a dataset reconcile would re-queue (failed after transient errors, or stuck),
 * whose metadata file currently has `etag`.
 */
export function decideRequeue(
  state: Pick<DatasetState, 'requeues' | 'updatedAt' | 'metadataEtag'>,
  etag: string,
  now: number,
  policy: RequeuePolicy = DEFAULT_REQUEUE_POLICY,
): RequeueDecision {
  // A version other than the one that failed was never tried: its notification was lost.
  if (state.metadataEtag !== undefined && state.metadataEtag !== etag && state.requeues?.etag !== etag) return { action: 'requeue', count: 1 };
  const done = requeuesOf(state, etag);
  if (done >= policy.limit) return { action: 'stopped', count: done };
  const since = Math.max(Date.parse(state.updatedAt) || 0, done > 0 ? Date.parse(state.requeues!.lastAt) || 0 : 0);
  const notBefore = since + requeueDelayMs(done, policy);
  return now >= notBefore ? { action: 'requeue', count: done + 1 } : { action: 'wait', notBefore, count: done };
}
