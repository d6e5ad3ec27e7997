import type { DatasetRef } from './ref.ts';

/** What can map a folder to the dataset it is (the key classifier, compiled from the config). */
export interface DatasetResolver {
  datasetOf(bucket: string, folder: string): DatasetRef | undefined;
}

export type ResolvedDataset = { ok: true; dataset: DatasetRef } | { ok: false; reason: string };

/**
 * A job names its dataset, but a queue message or an HTTP body is only a claim: anyone who can
 * send to the queue or reach an endpoint can write one. The dataset is re-derived from the
 * configured bucket and the claimed folder with the same rules that classify keys, and the claim
 * is accepted only when the derived identity is the claimed one. The derived ref is returned, so
 * nothing else the job said about the dataset (base, name) is ever used.
 */
export function resolveClaimedDataset(claimed: unknown, bucket: string, resolver: DatasetResolver): ResolvedDataset {
  const c = claimed as Partial<DatasetRef> | undefined;
  if (!c || typeof c !== 'object' || typeof c.prefix !== 'string' || typeof c.id !== 'string') return { ok: false, reason: 'the job names no dataset' };
  if (c.bucket !== bucket) return { ok: false, reason: `the job's bucket is not the configured bucket` };
  const derived = resolver.datasetOf(bucket, c.prefix);
  if (!derived) return { ok: false, reason: "the job's folder is not a dataset under the watched directories" };
  if (derived.id !== c.id) return { ok: false, reason: "the job's dataset id does not match its folder" };
  return { ok: true, dataset: derived };
}
