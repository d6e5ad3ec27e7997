import { randomUUID } from 'node:crypto';
import type { DatasetRef } from '../dataset/ref.ts';
import type { DatasetState } from './dataset-state.ts';
import { LeaseLostError, type StateStore, type VersionedState } from './state-store.ts';

/** The lease of another worker that holds the dataset now. */
export type BusyLease = NonNullable<DatasetState['lease']>;

export interface AcquireOptions {
  /** How long the lease lasts without a save (each save renews it). */
  ttlMs: number;
  /** The metadata version this run works on (shown in the record's lease). */
  etagInProgress?: string | undefined;
  /** Edits written together with the lease (saves a write): the start of the run. */
  onAcquire?: (s: DatasetState) => void;
  /** The record as the caller has just read it (`null`: absent): the lease's write needs no read first. */
  known?: VersionedState | null;
}

/**
 * One worker's hold on a dataset's record while it provisions the dataset: the only writer of the
 * saga's part of the record (status, outputs, steps, errors) until it releases the lease.
 *
 * - `acquire` takes the lease unless another owner holds an unexpired one;
 * - `save(edit)` applies the edit to the record at once and writes it; writes are serialised and
 *   coalesced (edits made while a write is under way share the next write), and each renews the
 *   lease;
 * - `stage(edit)` applies an edit that the next save writes (no write of its own);
 * - `keepAlive()` renews the lease at a third of its length while long steps run;
 * - `confirm()` makes sure the lease is still this worker's, for at least half its length, right
 *   before a create that Onedata does not guard (see confirm);
 * - `release(edit)` writes the last edits without the lease.
 *
 * A save that finds the lease taken by another owner fails with LeaseLostError (StateStore.save).
 */
export class DatasetLease {
  private current: VersionedState;
  private chain: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;
  /** When the lease last written (and acknowledged) runs out, in ms since the epoch. */
  private heldUntilMs: number;
  /** Set once a write found the lease taken by another worker: nothing more may be done. */
  private lost: LeaseLostError | undefined;

  private constructor(
    private readonly states: StateStore,
    leased: VersionedState,
    private readonly ttlMs: number,
  ) {
    this.current = leased;
    this.heldUntilMs = expiryOf(leased);
  }

  static async acquire(states: StateStore, dataset: DatasetRef, options: AcquireOptions): Promise<DatasetLease | { busy: BusyLease }> {
    const leased = await states.acquireLease(dataset, randomUUID(), options.ttlMs, options.etagInProgress, options.onAcquire, options.known);
    if ('busy' in leased) return leased;
    return new DatasetLease(states, leased, options.ttlMs);
  }

  /** The record as this holder has it: every edit applied, written or about to be. */
  get record(): DatasetState {
    return this.current.state;
  }

  /** The record with the ETag of the last write (the saga's steps read the record through it). */
  get versioned(): VersionedState {
    return this.current;
  }

  stage(edit: (s: DatasetState) => void): void {
    edit(this.current.state);
  }

  save(edit: (s: DatasetState) => void = () => undefined): Promise<void> {
    edit(this.current.state);
    if (this.queued) return this.queued;
    const write = this.chain.then(async () => {
      this.queued = undefined;
      this.states.renew(this.current, this.ttlMs);
      const expiresAt = expiryOf(this.current);
      try {
        this.current = await this.states.save(this.current);
      } catch (e) {
        if (e instanceof LeaseLostError) this.lost = e;
        throw e;
      }
      this.heldUntilMs = expiresAt;
    });
    this.queued = write;
    this.chain = write;
    return write;
  }

  /** Renews the lease while the holder works; returns the function that stops renewing. */
  keepAlive(): () => void {
    const timer = setInterval(() => void this.save().catch(() => undefined), Math.max(1000, this.ttlMs / 3));
    timer.unref();
    return () => clearInterval(timer);
  }

  /**
   * Resolves if this worker still holds the lease for at least half its length, renewing it first
   * when less is left; throws LeaseLostError once another worker has it. A step calls it right
   * before a create that Onedata has no guard against (a storage, group, share, QoS requirement):
   * a worker whose lease ran out while it waited (a stalled event loop, a long backoff) must not
   * create beside the worker that took over, whose lookup could not yet see the object.
   */
  async confirm(): Promise<void> {
    if (this.lost) throw this.lost;
    if (this.heldUntilMs - this.states.now().getTime() >= this.ttlMs / 2) return;
    await this.save();
  }

  /** Waits for the writes under way (their failure is someone else's to report). */
  async settle(): Promise<void> {
    await this.chain.catch(() => undefined);
  }

  release(edit: (s: DatasetState) => void = () => undefined): Promise<void> {
    return this.save((s) => {
      edit(s);
      delete s.lease;
    });
  }
}

/** The expiry written in a record's lease (0 when it has none: confirm then renews). */
function expiryOf(v: VersionedState): number {
  const at = v.state.lease?.expiresAt;
  return at ? Date.parse(at) : 0;
}
