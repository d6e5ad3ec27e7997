import { RESERVED_PREFIX, type DatasetRef } from '../dataset/ref.ts';
import { RETRY_PRESETS, withRetry } from '../retry/index.ts';
import { ObjectStore, PreconditionFailedError } from '../storage/objects.ts';
import { newDatasetState, type DatasetState } from './dataset-state.ts';
import { upgradeRecord } from './record-schema.ts';

export const STATE_PREFIX = `${RESERVED_PREFIX}state/`;

export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
}

export interface VersionedState {
  state: DatasetState;
  etag: string;
}

/**
 * Dataset state records in the bucket itself (no extra database to run): one JSON object per
 * dataset under `.s3od/state/`, created with `If-None-Match: *` and updated with `If-Match`, so
 * concurrent writers never overwrite each other — the loser re-reads and re-applies its change.
 */
export class StateStore {
  constructor(
    private readonly objects: ObjectStore,
    /** The clock of lease expiries (tests move it). */
    readonly now: () => Date = () => new Date(),
  ) {}

  key(datasetId: string): string {
    return `${STATE_PREFIX}${datasetId}.json`;
  }

  async read(datasetId: string): Promise<VersionedState | undefined> {
    const obj = await this.objects.get(this.key(datasetId));
    if (!obj) return undefined;
    return { state: upgradeRecord(JSON.parse(obj.body.toString('utf8')), this.key(datasetId)), etag: obj.etag };
  }

  private async write(state: DatasetState, etag: string | undefined): Promise<string> {
    state.updatedAt = this.now().toISOString();
    const body = JSON.stringify(state, null, 1);
    return this.objects.put(this.key(state.dataset.id), body, etag ? { ifMatch: etag } : { ifNoneMatch: '*' }, 'application/json');
  }

  /**
   * Read-modify-write with compare-and-swap. `change` gets the current record (a fresh one when
   * none exists) and edits it in place; returning `false` means "nothing to write". On a
   * concurrent update the record is re-read and `change` applied again.
   */
  async update(dataset: DatasetRef, change: (s: DatasetState) => boolean | void, known?: VersionedState | null): Promise<VersionedState> {
    // A writer that keeps the version it last wrote (the import counters), or has just read it
    // (`null`: read and found absent), tries it first: one PUT instead of GET + PUT while nobody
    // else wrote meanwhile; a refused PUT falls back to reading.
    let guess = known;
    return withRetry(
      async () => {
        const cur = guess ? { state: structuredClone(guess.state), etag: guess.etag } : guess === null ? undefined : await this.read(dataset.id);
        guess = undefined;
        const state = cur?.state ?? newDatasetState(dataset, this.now());
        if (change(state) === false && cur) return cur;
        const etag = await this.write(state, cur?.etag);
        return { state, etag };
      },
      { ...RETRY_PRESETS.recordCas, isRetryable: (e) => e instanceof PreconditionFailedError },
    );
  }

  /**
   * Writes a record this worker holds the lease of. The record has two kinds of writers: the lease
   * holder (the saga: status, outputs, steps, errors) and the importers, which only touch
   * `import` through `update`. So when the ETag moved on, the latest record is read, and if the
   * lease is still ours our part is laid over it and the write is tried again; if another owner
   * has the lease now, LeaseLostError.
   */
  async save(current: VersionedState): Promise<VersionedState> {
    const owner = current.state.lease?.owner;
    let etag = current.etag;
    let lostRace = false;
    return withRetry(
      async () => {
        if (lostRace) {
          const latest = await this.read(current.state.dataset.id);
          // A record without a lease counts as lost too: the worker that took over has released it
          // meanwhile (only a release, whose own write carries no owner, may find it gone).
          if (!latest || (owner !== undefined && latest.state.lease?.owner !== owner)) {
            throw new LeaseLostError(`the lease on ${current.state.dataset.prefix} passed to another worker`);
          }
          current.state.import = latest.state.import;
          // `s3od access` records its tokens without the lease: keep what it wrote meanwhile.
          if (latest.state.access) current.state.access = latest.state.access;
          else delete current.state.access;
          etag = latest.etag;
        }
        try {
          return { state: current.state, etag: await this.write(current.state, etag) };
        } catch (e) {
          lostRace ||= e instanceof PreconditionFailedError;
          throw e;
        }
      },
      // Backs off between tries (it used to retry at once, 20 times): the other writer gets through.
      { ...RETRY_PRESETS.recordCas, isRetryable: (e) => e instanceof PreconditionFailedError },
    );
  }

  /**
   * Takes the dataset's lease for `ttlMs` unless another owner holds an unexpired one. Returns the
   * record with the lease, or `{ busy }` naming the current holder's lease.
   */
  async acquireLease(
    dataset: DatasetRef,
    owner: string,
    ttlMs: number,
    etagInProgress?: string,
    /** Further edits written together with the lease (saves a write). */
    onAcquire?: (s: DatasetState) => void,
    /** The record as the caller has just read it (`null`: absent): saves the read (StateStore.update). */
    known?: VersionedState | null,
  ): Promise<VersionedState | { busy: NonNullable<DatasetState['lease']> }> {
    let busy: DatasetState['lease'];
    const res = await this.update(
      dataset,
      (s) => {
        busy = undefined;
        const now = this.now().getTime();
        if (s.lease && s.lease.owner !== owner && Date.parse(s.lease.expiresAt) > now) {
          busy = s.lease;
          return false;
        }
        s.lease = { owner, expiresAt: new Date(now + ttlMs).toISOString(), ...(etagInProgress ? { etag: etagInProgress } : {}) };
        onAcquire?.(s);
      },
      known,
    );
    if (busy) return { busy };
    return res;
  }

  /** Extends the lease while saving progress. */
  renew(current: VersionedState, ttlMs: number): void {
    if (current.state.lease) current.state.lease.expiresAt = new Date(this.now().getTime() + ttlMs).toISOString();
  }

  /** Every dataset record (for `s3od status` and reconciliation). */
  async *all(): AsyncGenerator<DatasetState> {
    for await (const o of this.objects.list(STATE_PREFIX)) {
      if (!('key' in o) || !o.key.endsWith('.json')) continue;
      const obj = await this.objects.get(o.key);
      if (obj) yield upgradeRecord(JSON.parse(obj.body.toString('utf8')), o.key);
    }
  }
}
