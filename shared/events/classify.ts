import type { S3odConfig } from '../config/schema.ts';
import { checkKey } from '../dataset/key-path.ts';
import { datasetRef, RESERVED_PREFIX, STATUS_OBJECT_NAME, type DatasetRef } from '../dataset/ref.ts';
import { WatchedPrefix } from './glob.ts';

export type KeyClass =
  | { kind: 'metadata'; dataset: DatasetRef; fileName: string }
  | { kind: 'running-marker'; dataset: DatasetRef }
  | { kind: 'data'; dataset: DatasetRef; relPath: string }
  | { kind: 'own'; reason: string }
  | { kind: 'ignored'; reason: string }
  /** A key that is not a safe path (see shared/dataset/key-path.ts): never mapped to a dataset. */
  | { kind: 'refused'; reason: string };

/** Classifies object keys with fs2od's rules, compiled once per configuration. */
export class KeyClassifier {
  private readonly watched: WatchedPrefix[];
  constructor(private readonly config: Pick<S3odConfig, 'watchedDirectories' | 'metadataFiles' | 'continousFileImport' | 'fs2odMetadataFile'>) {
    this.watched = config.watchedDirectories.map((d) => new WatchedPrefix(d));
  }

  /** The dataset a key prefix (folder path, no trailing slash) denotes, if any. */
  datasetOf(bucket: string, folder: string): DatasetRef | undefined {
    const check = checkKey(folder);
    if (!check.ok || folder.endsWith('/')) return undefined;
    const parts = check.segments;
    for (const w of this.watched) {
      if (parts.length === w.depth + 1 && w.matches(parts) && parts[w.depth]) {
        return datasetRef(bucket, parts.slice(0, w.depth).join('/'), parts[w.depth]!);
      }
    }
    return undefined;
  }

  classify(bucket: string, key: string): KeyClass {
    if (key.startsWith(RESERVED_PREFIX)) return { kind: 'own', reason: 'reserved prefix' };
    const check = checkKey(key);
    if (!check.ok) return { kind: 'refused', reason: check.reason };
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
        // Ours even when the feature is off: a folder fs2od handled keeps its `.fs2od`, which may
        // hold the invite token, and a data object would be registered into the public share.
        if (relPath === this.config.fs2odMetadataFile.filename) return { kind: 'own', reason: 'access-info file' };
        if (relPath === this.config.continousFileImport.runningFileName) return { kind: 'running-marker', dataset };
      }
      return { kind: 'data', dataset, relPath };
    }
    return { kind: 'ignored', reason: 'outside watched directories' };
  }
}
