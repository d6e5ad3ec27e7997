import { RESERVED_PREFIX, type DatasetRef } from '../../../shared/dataset/ref.ts';
import type { KeyClassifier } from '../../../shared/events/classify.ts';
import { globComponentToRegExp } from '../../../shared/events/glob.ts';
import type { ObjectStore } from '../../../shared/storage/objects.ts';

/** The "sub-folders" directly under a key prefix (ListObjectsV2 with delimiter "/"), each ending in "/". */
export type FolderLister = (prefix: string) => AsyncIterable<string>;

export function folderLister(objects: ObjectStore): FolderLister {
  return async function* (prefix) {
    for await (const o of objects.list(prefix, { delimiter: '/' })) if ('commonPrefix' in o) yield o.commonPrefix;
  };
}

const GLOB_CHARS = /[*?[]/;

/** Whether two key prefixes can meet: one is a prefix of the other. */
function compatible(prefix: string, filter: string): boolean {
  return prefix.startsWith(filter) || filter.startsWith(prefix);
}

/**
 * Every dataset folder under the watched directories, found by listing with delimiter "/": one
 * request per 1000 folders at the dataset level and one per glob component above it, never a walk
 * over the objects inside the datasets. `filter` (a key prefix) prunes the walk early.
 */
export async function* walkDatasetFolders(
  list: FolderLister,
  bucket: string,
  classifier: KeyClassifier,
  watchedDirectories: string[],
  filter = '',
): AsyncGenerator<DatasetRef> {
  const seen = new Set<string>();
  const f = filter.replace(/^\/+/, '');
  for (const pattern of watchedDirectories) {
    const components = pattern === '' ? [] : pattern.split('/');
    // The concrete bases matching the pattern, each "" (bucket root) or ending in "/".
    let bases = [''];
    for (const component of components) {
      const next: string[] = [];
      for (const base of bases) {
        if (!GLOB_CHARS.test(component)) {
          const p = `${base}${component}/`;
          if (compatible(p, f)) next.push(p);
          continue;
        }
        const re = globComponentToRegExp(component);
        for await (const cp of list(base)) {
          if (cp.startsWith(RESERVED_PREFIX)) continue;
          if (re.test(cp.slice(base.length, -1)) && compatible(cp, f)) next.push(cp);
        }
      }
      bases = next;
    }
    for (const base of bases) {
      // Narrow the listing to the filter's dataset-name part when it reaches that deep.
      const rest = f.startsWith(base) ? f.slice(base.length) : '';
      const listPrefix = base + (rest.includes('/') ? rest.slice(0, rest.indexOf('/')) : rest);
      for await (const cp of list(listPrefix)) {
        if (cp.startsWith(RESERVED_PREFIX)) continue;
        const folder = cp.slice(0, -1);
        if (!`${folder}/`.startsWith(f) && !f.startsWith(`${folder}/`) && f !== folder) continue;
        const ref = classifier.datasetOf(bucket, folder);
        if (!ref || seen.has(ref.id)) continue;
        seen.add(ref.id);
        yield ref;
      }
    }
  }
}
