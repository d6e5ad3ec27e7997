import { randomUUID } from 'node:crypto';
import type { DatasetRef } from '../../../shared/dataset/ref.ts';
import type { ProvisionJob } from '../../../shared/queue/jobs.ts';
import type { ObjectStore } from '../../../shared/storage/objects.ts';

/** A provision job as the CLI sends it (the same shape on-object-event sends for an event). */
export function provisionJob(
  dataset: DatasetRef,
  metadataFile: string,
  etag: string | undefined,
  reason: 'retry' | 'backfill',
  now = new Date(),
): ProvisionJob {
  return {
    type: 'provision',
    dataset,
    metadataFile,
    ...(etag ? { etag } : {}),
    // A backfill job is the same job as the event of that file version would have been; a retry
    // is a new request even for the same version.
    dedupKey: reason === 'backfill' ? `provision:${dataset.id}:${etag ?? 'unknown'}` : `provision:${dataset.id}:retry:${now.toISOString()}`,
    correlationId: randomUUID(),
    enqueuedAt: now.toISOString(),
    reason,
  };
}

/** The dataset's metadata file: the first configured name present in the folder (fs2od's rule). */
export async function findMetadataFile(objects: ObjectStore, dataset: DatasetRef, names: string[]): Promise<{ fileName: string; etag: string } | undefined> {
  for (const fileName of names) {
    const head = await objects.head(`${dataset.prefix}/${fileName}`);
    if (head) return { fileName, etag: head.etag };
  }
  return undefined;
}
