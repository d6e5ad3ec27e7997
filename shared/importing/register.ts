import { isPermanent, isPosixError, isTransient } from '../onedata/index.ts';
import { limitConcurrency } from '../retry/index.ts';
import type { DatasetRef } from '../dataset/ref.ts';
import type { ImportDeps, ImportTarget } from './context.ts';

/** One object to register in the dataset's space. */
export interface ObjectToRegister {
  key: string;
  /** Path relative to the dataset folder: where the file appears in the space. */
  relPath: string;
  size?: number;
  /** Seconds since the epoch. */
  mtime?: number;
}

export interface RegistrationResult {
  registered: number;
  /** Objects that can never be registered (e.g. gone from the bucket meanwhile). */
  failed: { key: string; reason: string }[];
  /** Objects whose registration failed for now (to be retried). */
  retry: { key: string; error: unknown }[];
}

/**
 * Whether retrying this object's registration cannot help. Besides the usual permanent errors, a
 * `posix` error is about the object itself (e.g. `enoent`: it vanished from the bucket before the
 * provider could stat it): retrying it would re-run the whole listing page for nothing.
 */
function permanentForObject(e: unknown): boolean {
  return isPosixError(e) || (isPermanent(e) && !isTransient(e));
}

/**
 * s3 mode: registers objects with `POST /oneprovider/data/register` — an upsert, so a redelivered
 * event is harmless — with bounded concurrency. On a canonical S3 storage the storage file id is
 * the object key as a path; the destination is the path inside the dataset, so each space holds
 * exactly its dataset.
 */
export async function registerObjects(deps: ImportDeps, dataset: DatasetRef, target: ImportTarget, objects: ObjectToRegister[]): Promise<RegistrationResult> {
  const { provider } = deps.onedata;
  const limit = limitConcurrency(deps.config.import.registrationConcurrency);
  const result: RegistrationResult = { registered: 0, failed: [], retry: [] };
  // The last gate before an object enters a space: only a data object of this very dataset, at
  // the path its key gives. The metadata file, s3od's own objects and other datasets' keys never
  // pass, whatever a job or a caller claimed.
  const admitted = objects.filter((o) => {
    const cls = deps.classifier.classify(dataset.bucket, o.key);
    const ok = cls.kind === 'data' && cls.dataset.id === dataset.id && cls.relPath === o.relPath;
    if (!ok) result.failed.push({ key: o.key, reason: `refused: not a data object of dataset ${dataset.prefix} (${cls.kind})` });
    return ok;
  });
  await Promise.all(
    admitted.map((o) =>
      limit(async () => {
        try {
          await provider.registerFile({
            spaceId: target.spaceId,
            storageId: target.storageId,
            storageFileId: `/${o.key}`,
            destinationPath: `/${o.relPath}`,
            // With the size known from the event the provider need not stat the object.
            ...(o.size !== undefined ? { size: o.size, autoDetectAttributes: false } : { autoDetectAttributes: true }),
            ...(o.mtime !== undefined ? { mtime: o.mtime } : {}),
          });
          result.registered++;
        } catch (e) {
          if (permanentForObject(e)) result.failed.push({ key: o.key, reason: (e as Error).message });
          else result.retry.push({ key: o.key, error: e });
        }
      }),
    ),
  );
  return result;
}
