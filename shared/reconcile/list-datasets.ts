import type { S3odConfig } from '../config/schema.ts';
import { datasetRef, type DatasetRef } from '../dataset/ref.ts';
import { globComponentToRegExp } from '../events/glob.ts';
import type { ObjectStore } from '../storage/objects.ts';

/**
 * Every dataset folder under the watched directories, found by listing "folders" (delimiter `/`)
 * level by level, as fs2od resolved its glob paths: one LIST per level and page, never a walk of
 * every object.
 */
export async function* listDatasetFolders(
  objects: ObjectStore,
  config: Pick<S3odConfig, 'bucket' | 'watchedDirectories'>,
  onlyPrefix?: string,
): AsyncGenerator<DatasetRef> {
  for (const pattern of config.watchedDirectories) {
    for await (const base of expandBases(objects, pattern === '' ? [] : pattern.split('/'))) {
      for await (const entry of objects.list(base ? `${base}/` : '', { delimiter: '/' })) {
        if (!('commonPrefix' in entry)) continue;
        const name = entry.commonPrefix.slice(base ? base.length + 1 : 0, -1);
        if (!name || name === '.s3od') continue;
        const ref = datasetRef(config.bucket, base, name);
        if (onlyPrefix && !ref.prefix.startsWith(onlyPrefix.replace(/\/+$/, ''))) continue;
        yield ref;
      }
    }
  }
}

/** Concrete prefixes matching a watched pattern whose components may be globs. */
async function* expandBases(objects: ObjectStore, parts: string[], at = ''): AsyncGenerator<string> {
  if (parts.length === 0) {
    yield at;
    return;
  }
  const [head, ...rest] = parts as [string, ...string[]];
  if (!/[*?[]/.test(head)) {
    yield* expandBases(objects, rest, at ? `${at}/${head}` : head);
    return;
  }
  const re = globComponentToRegExp(head);
  for await (const entry of objects.list(at ? `${at}/` : '', { delimiter: '/' })) {
    if (!('commonPrefix' in entry)) continue;
    const name = entry.commonPrefix.slice(at ? at.length + 1 : 0, -1);
    if (re.test(name)) yield* expandBases(objects, rest, at ? `${at}/${name}` : name);
  }
}
