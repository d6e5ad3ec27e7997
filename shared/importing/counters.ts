import type { DatasetRef } from '../dataset/ref.ts';
import type { StateStore, VersionedState } from '../state/state-store.ts';

/** Counter changes of one batch for one dataset. */
export interface ImportCounts {
  registered: number;
  failed: number;
  removed: number;
}

interface Pending {
  states: StateStore;
  dataset: DatasetRef;
  counts: ImportCounts;
  at: string;
  waiters: { resolve: () => void; reject: (e: unknown) => void }[];
}

const pending = new Map<string, Pending>();
/**
 * The record version this container last wrote, per dataset: the next flush tries it first (one
 * PUT; the batches waiting for it are the import's critical path), and falls back to reading the
 * record when anyone else wrote it meanwhile. Bounded: only the most recent datasets are kept.
 */
const lastWritten = new Map<string, VersionedState>();
const LAST_WRITTEN_LIMIT = 256;
const flushing = new Set<string>();

/**
 * Adds a batch's counts to the dataset's record. Batches of the same dataset that finish while a
 * write is under way share the next write, so concurrent batches do not queue up on
 * compare-and-swap conflicts of one record. Resolves once the counts are stored.
 */
export function recordImportCounts(states: StateStore, dataset: DatasetRef, counts: ImportCounts, at: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let p = pending.get(dataset.id);
    if (!p) {
      p = { states, dataset, counts: { registered: 0, failed: 0, removed: 0 }, at, waiters: [] };
      pending.set(dataset.id, p);
    }
    p.counts.registered += counts.registered;
    p.counts.failed += counts.failed;
    p.counts.removed += counts.removed;
    if (at > p.at) p.at = at;
    p.waiters.push({ resolve, reject });
    if (!flushing.has(dataset.id)) void flush(dataset.id);
  });
}

async function flush(id: string): Promise<void> {
  flushing.add(id);
  try {
    for (let p = pending.get(id); p; p = pending.get(id)) {
      pending.delete(id);
      const { counts, at } = p;
      try {
        const written = await p.states.update(
          p.dataset,
          (s) => {
            s.import.registered += counts.registered;
            s.import.failed += counts.failed;
            s.import.removed += counts.removed;
            if (!s.import.lastImportAt || at > s.import.lastImportAt) s.import.lastImportAt = at;
          },
          lastWritten.get(id),
        );
        lastWritten.delete(id);
        lastWritten.set(id, written);
        if (lastWritten.size > LAST_WRITTEN_LIMIT) lastWritten.delete(lastWritten.keys().next().value!);
        for (const w of p.waiters) w.resolve();
      } catch (e) {
        for (const w of p.waiters) w.reject(e);
      }
    }
  } finally {
    flushing.delete(id);
  }
}
