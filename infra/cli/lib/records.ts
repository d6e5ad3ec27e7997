import { datasetRef, type DatasetRef } from '../../../shared/dataset/ref.ts';
import type { KeyClassifier } from '../../../shared/events/classify.ts';
import { Semaphore } from '../../../shared/retry/index.ts';
import type { DatasetState } from '../../../shared/state/dataset-state.ts';
import { STATE_PREFIX } from '../../../shared/state/state-store.ts';
import type { ObjectStore } from '../../../shared/storage/objects.ts';
import { UsageError } from './io.ts';

/**
 * The folder as the operator names it (`datasets/Run1`, `datasets/Run1/`, `/datasets/Run1`) →
 * the key prefix without slashes at either end.
 */
export function normaliseFolder(folder: string): string {
  return folder.trim().replace(/^\/+/, '').replace(/\/+$/, '');
}

/**
 * The dataset a folder names. A folder outside the watched directories is still resolved (its
 * parent as the base): the record id depends only on bucket and prefix, and an operator may look
 * at a dataset after the configuration changed.
 */
export function resolveDataset(bucket: string, folder: string, classifier: KeyClassifier): DatasetRef {
  const prefix = normaliseFolder(folder);
  if (!prefix) throw new UsageError('the dataset folder must not be empty');
  const known = classifier.datasetOf(bucket, prefix);
  if (known) return known;
  const cut = prefix.lastIndexOf('/');
  return datasetRef(bucket, cut < 0 ? '' : prefix.slice(0, cut), prefix.slice(cut + 1));
}

/** Whether a dataset prefix is selected by a `--prefix` filter (a plain key-prefix match). */
export function matchesPrefix(datasetPrefix: string, filter: string | undefined): boolean {
  if (!filter) return true;
  const f = filter.replace(/^\/+/, '');
  return datasetPrefix.startsWith(f) || `${datasetPrefix}/`.startsWith(f);
}

/**
 * Every dataset record, read with bounded parallelism (StateStore.all reads one at a time, which
 * is slow for an operator waiting on thousands of records over a WAN).
 */
export async function readAllRecords(objects: ObjectStore, opts: { prefix?: string | undefined; concurrency?: number } = {}): Promise<DatasetState[]> {
  const keys: string[] = [];
  for await (const o of objects.list(STATE_PREFIX)) if ('key' in o && o.key.endsWith('.json')) keys.push(o.key);
  const limit = new Semaphore(opts.concurrency ?? 16);
  const records = await Promise.all(
    keys.map((key) =>
      limit.run(async () => {
        const obj = await objects.get(key);
        if (!obj) return undefined;
        try {
          return JSON.parse(obj.body.toString('utf8')) as DatasetState;
        } catch {
          return undefined;
        }
      }),
    ),
  );
  return records
    .filter((r): r is DatasetState => r !== undefined && typeof r.dataset?.prefix === 'string')
    .filter((r) => matchesPrefix(r.dataset.prefix, opts.prefix))
    .sort((a, b) => a.dataset.prefix.localeCompare(b.dataset.prefix));
}

/**
 * A record as the CLI shows it: the serialized invite token is replaced by `set`, so it can be
 * printed (as JSON too) without leaking the token.
 */
export function publicRecord(state: DatasetState): Record<string, unknown> {
  const { inviteToken, ...outputs } = state.outputs;
  return { ...state, outputs: { ...outputs, ...(inviteToken ? { inviteToken: 'set' } : {}) } };
}
