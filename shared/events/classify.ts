import { createHash } from 'node:crypto';
import type { S3odConfig } from '../config/schema.ts';
import { WatchedPrefix } from './glob.ts';

/** Keys under this prefix at the bucket root belong to s3od (state records); never a dataset. */
export const RESERVED_PREFIX = '.s3od/';
/** The per-dataset status object an operator reads; lives beside the metadata file. */
export const STATUS_OBJECT_NAME = '.s3od-status.yml';

/** A dataset: a "folder" (key prefix) that is an immediate child of a watched prefix. */
export interface DatasetRef {
  bucket: string;
  /** The watched prefix it lives under ("" = bucket root). */
  base: string;
  /** Folder name, e.g. "20211227125_Demo". */
  name: string;
  /** Key prefix of the dataset without the trailing slash, e.g. "cryoem/20211227125_Demo". */
  prefix: string;
  /** Stable, key-safe identifier of bucket + prefix (state record key, Onedata id seed). */
  id: string;
}

export type KeyClass =
  | { kind: 'metadata'; dataset: DatasetRef; fileName: string }
  | { kind: 'running-marker'; dataset: DatasetRef }
  | { kind: 'data'; dataset: DatasetRef; relPath: string }
  | { kind: 'own'; reason: string }
  | { kind: 'ignored'; reason: string };

export function datasetId(bucket: string, prefix: string): string {
  return createHash('sha256').update(`${bucket}\0${prefix}`).digest('hex').slice(0, 32);
}

export function datasetRef(bucket: string, base: string, name: string): DatasetRef {
  const prefix = base ? `${base}/${name}` : name;
  return { bucket, base, name, prefix, id: datasetId(bucket, prefix) };
}

/** Classifies object keys with fs2od's rules, compiled once per configuration. */
export class KeyClassifier {
  private readonly watched: WatchedPrefix[];
  constructor(private readonly config: Pick<S3odConfig, 'watchedDirectories' | 'metadataFiles' | 'continousFileImport' | 'fs2odMetadataFile'>) {
    this.watched = config.watchedDirectories.map((d) => new WatchedPrefix(d));
  }

  /** The dataset a key prefix (folder path, no trailing slash) denotes, if any. */
  datasetOf(bucket: string, folder: string): DatasetRef | undefined {
    const parts = folder.split('/');
    for (const w of this.watched) {
      if (parts.length === w.depth + 1 && w.matches(parts) && parts[w.depth]) {
        return datasetRef(bucket, parts.slice(0, w.depth).join('/'), parts[w.depth]!);
      }
    }
    return undefined;
  }

  classify(bucket: string, key: string): KeyClass {
    if (key.startsWith(RESERVED_PREFIX)) return { kind: 'own', reason: 'reserved prefix' };
    const parts = key.split('/');
    for (const w of this.watched) {
      // A dataset object is <watched prefix>/<dataset>/<at least one more component>.
      if (parts.length < w.depth + 2 || !w.matches(parts)) continue;
      const name = parts[w.depth]!;
      if (!name) continue;
      const dataset = datasetRef(bucket, parts.slice(0, w.depth).join('/'), name);
      const rel = parts.slice(w.depth + 1);
      const relPath = rel.join('/');
      if (relPath === '' || relPath.endsWith('/')) return { kind: 'ignored', reason: 'folder marker' };
      if (rel.some((c) => c === '')) return { kind: 'ignored', reason: 'empty path component' };
      if (rel.length === 1) {
        if (this.config.metadataFiles.includes(relPath)) return { kind: 'metadata', dataset, fileName: relPath };
        if (relPath === STATUS_OBJECT_NAME) return { kind: 'own', reason: 'status object' };
        if (this.config.fs2odMetadataFile.enabled && relPath === this.config.fs2odMetadataFile.filename) {
          return { kind: 'own', reason: 'access-info file' };
        }
        if (relPath === this.config.continousFileImport.runningFileName) return { kind: 'running-marker', dataset };
      }
      return { kind: 'data', dataset, relPath };
    }
    return { kind: 'ignored', reason: 'outside watched directories' };
  }
}
