import { describe, expect, it } from 'vitest';
import { walkDatasetFolders, type FolderLister } from '../../../infra/cli/lib/dataset-folders.ts';
import { KeyClassifier } from '../../../shared/events/classify.ts';

/** A bucket given as its keys; the lister answers like ListObjectsV2 with delimiter "/". */
function fakeBucket(keys: string[]): { list: FolderLister; listed: string[] } {
  const listed: string[] = [];
  const list: FolderLister = async function* (prefix) {
    listed.push(prefix);
    const seen = new Set<string>();
    for (const k of keys.filter((x) => x.startsWith(prefix)).sort()) {
      const rest = k.slice(prefix.length);
      const cut = rest.indexOf('/');
      if (cut < 0) continue;
      const cp = prefix + rest.slice(0, cut + 1);
      if (!seen.has(cp)) {
        seen.add(cp);
        yield cp;
      }
    }
  };
  return { list, listed };
}

const classifier = (watchedDirectories: string[]) =>
  new KeyClassifier({
    watchedDirectories,
    metadataFiles: ['SPA.yml'],
    continousFileImport: { enabled: true, runningFileName: '.running', scanInterval: 1, detectModifications: false, detectDeletions: false },
    fs2odMetadataFile: { enabled: false, filename: '.fs2od', storeAccessInfo: false },
  });

async function walk(keys: string[], watched: string[], filter?: string) {
  const b = fakeBucket(keys);
  const out: string[] = [];
  for await (const d of walkDatasetFolders(b.list, 'bkt', classifier(watched), watched, filter)) out.push(`${d.base}|${d.name}`);
  return { out, listed: b.listed };
}

const KEYS = [
  'datasets/Run1/SPA.yml',
  'datasets/Run1/Movies/m1.tiff',
  'datasets/Run10/SPA.yml',
  'datasets/Run2/x.tiff',
  'cryoem/krios1/A/SPA.yml',
  'cryoem/glacios/B/SPA.yml',
  'cryoem/notes.txt',
  '.s3od/state/abc.json',
  'top/SPA.yml',
];

describe('walking dataset folders', () => {
  it('lists only the dataset level of a literal watched directory', async () => {
    const r = await walk(KEYS, ['datasets']);
    expect(r.out).toEqual(['datasets|Run1', 'datasets|Run10', 'datasets|Run2']);
    expect(r.listed).toEqual(['datasets/']);
  });
  it('expands glob components with one listing per level', async () => {
    const r = await walk(KEYS, ['cryoem/*']);
    expect(r.out).toEqual(['cryoem/glacios|B', 'cryoem/krios1|A']);
    expect(r.listed).toEqual(['cryoem/', 'cryoem/glacios/', 'cryoem/krios1/']);
  });
  it("never takes s3od's own prefix for a dataset at the bucket root", async () => {
    const r = await walk(KEYS, ['']);
    expect(r.out).toEqual(['|cryoem', '|datasets', '|top']);
  });
  it('narrows the walk with --prefix', async () => {
    expect((await walk(KEYS, ['datasets'], 'datasets/Run1')).out).toEqual(['datasets|Run1', 'datasets|Run10']);
    const exact = await walk(KEYS, ['datasets'], 'datasets/Run1/');
    expect(exact.out).toEqual(['datasets|Run1']);
    expect(exact.listed).toEqual(['datasets/Run1']);
    const pruned = await walk(KEYS, ['cryoem/*', 'datasets'], 'cryoem/krios1');
    expect(pruned.out).toEqual(['cryoem/krios1|A']);
    expect(pruned.listed).not.toContain('datasets/');
  });
  it('reports a dataset once when watched directories overlap', async () => {
    expect((await walk(KEYS, ['datasets', 'dat*'])).out).toEqual(['datasets|Run1', 'datasets|Run10', 'datasets|Run2']);
  });
});
