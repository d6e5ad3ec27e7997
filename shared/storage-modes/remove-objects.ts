import type { S3odConfig } from '../config/schema.ts';
import type { DatasetRef } from '../dataset/ref.ts';
import { KeyClassifier } from '../events/classify.ts';
import type { ObjectStore } from '../storage/objects.ts';

/**
 * Removal of a dataset's data from the facility bucket once it has expired there (both modes keep
 * the dataset as objects under its folder; posix mode's filesystem is that bucket's mirror). Only
 * keys the classifier calls this very dataset's *data* go: the operator's metadata file, `.fs2od`,
 * `.running`, our status object and records stay, as does anything of another dataset (a folder
 * whose name starts the same is another prefix: the listing is of `<prefix>/`).
 */
export async function removeDatasetObjects(objects: ObjectStore, config: S3odConfig, dataset: DatasetRef): Promise<number> {
  const classifier = new KeyClassifier(config);
  let removed = 0;
  for await (const entry of objects.list(`${dataset.prefix}/`)) {
    if (!('key' in entry)) continue;
    const c = classifier.classify(config.bucket, entry.key);
    if (c.kind !== 'data' || c.dataset.id !== dataset.id) continue;
    await objects.delete(entry.key);
    removed++;
  }
  return removed;
}
