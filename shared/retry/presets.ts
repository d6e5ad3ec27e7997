import type { RetryPolicy } from './with-retry.ts';

/** A retry timing without the decision of what to retry (each call site gives its `isRetryable`). */
export type RetryPreset = Readonly<Omit<RetryPolicy, 'isRetryable'>>;

/**
 * The retry timings of s3od, by what is retried. A call site spreads one and adds its
 * `isRetryable` (and, for Onedata, the configured count): `{ ...RETRY_PRESETS.recordCas, isRetryable }`.
 */
export const RETRY_PRESETS = {
  /**
   * A compare-and-swap of a small s3od record in the bucket (dataset record, scan slots) that lost
   * to another writer: re-read and apply again. Contention clears in milliseconds, so many quick tries.
   */
  recordCas: { retries: 20, baseDelayMs: 20, maxDelayMs: 500 },
  /**
   * The conditional PUT of an operator's file that lost to the operator's own save: re-read, merge
   * and write again. Rare; fewer tries, a little more patience.
   */
  operatorFileCas: { retries: 10, baseDelayMs: 50, maxDelayMs: 1000 },
  /**
   * A provisioning step's create of an Onedata object without a server-side guard (storage, group,
   * share), looked up before each retry. The count is `onedata.retries` from the configuration.
   */
  onedataCreate: { baseDelayMs: 100, maxDelayMs: 3000 },
  /**
   * Waiting for a Oneprovider to forget a revoked support or deleted space (§C.5) before its
   * storage may go (`storageInUse` until then): polled, not slept.
   */
  providerForgets: { retries: 40, baseDelayMs: 100, maxDelayMs: 3000 },
  /** A batch of jobs the queue did not accept (throttling, a transient error). */
  queueSend: { retries: 5, baseDelayMs: 100, maxDelayMs: 2000 },
  /**
   * A call to DAREG, the dataset register (shared/dareg). Few, short tries: it runs under the
   * dataset's lease after provisioning is recorded, and what still fails stays owed in the record
   * for the next run (the lifecycle pass), so waiting longer here only holds the lease.
   */
  dareg: { retries: 2, baseDelayMs: 250, maxDelayMs: 2000 },
} as const satisfies Record<string, RetryPreset>;
