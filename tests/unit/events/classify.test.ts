import { describe, expect, it } from 'vitest';
import { datasetId } from '../../../shared/dataset/ref.ts';
import { KeyClassifier } from '../../../shared/events/classify.ts';
import { globComponentToRegExp } from '../../../shared/events/glob.ts';
import { routeEvents } from '../../../shared/events/route.ts';
import type { ObjectEvent } from '../../../shared/events/types.ts';

const base = {
  metadataFiles: ['SPA.yml', 'metadata.yaml'],
  continousFileImport: { enabled: true, runningFileName: '.running', scanInterval: 10800, detectModifications: false, detectDeletions: false },
  fs2odMetadataFile: { enabled: true, filename: '.fs2od', storeAccessInfo: false },
};

describe('KeyClassifier', () => {
  const c = new KeyClassifier({ ...base, watchedDirectories: ['cryoem/20*', 'tomo'] });

  it('finds the metadata file of a dataset that is an immediate child of a watched prefix', () => {
    expect(c.classify('b', 'cryoem/2024/Run 1/SPA.yml')).toMatchObject({
      kind: 'metadata',
      fileName: 'SPA.yml',
      dataset: { base: 'cryoem/2024', name: 'Run 1', prefix: 'cryoem/2024/Run 1' },
    });
    expect(c.classify('b', 'tomo/T+1/metadata.yaml')).toMatchObject({ kind: 'metadata', fileName: 'metadata.yaml', dataset: { name: 'T+1' } });
  });

  it('treats a metadata file name deeper in the dataset as data', () => {
    expect(c.classify('b', 'tomo/T1/sub/SPA.yml')).toMatchObject({ kind: 'data', relPath: 'sub/SPA.yml' });
  });

  it('classifies data objects with their path relative to the dataset', () => {
    expect(c.classify('b', 'tomo/T1/Movies/a b+c é.tiff')).toMatchObject({ kind: 'data', relPath: 'Movies/a b+c é.tiff', dataset: { prefix: 'tomo/T1' } });
  });

  it("recognises the .running marker and s3od's own objects", () => {
    expect(c.classify('b', 'tomo/T1/.running')).toMatchObject({ kind: 'running-marker' });
    expect(c.classify('b', 'tomo/T1/.fs2od')).toMatchObject({ kind: 'own' });
    expect(c.classify('b', 'tomo/T1/.s3od-status.yml')).toMatchObject({ kind: 'own' });
    expect(c.classify('b', '.s3od/state/x.json')).toMatchObject({ kind: 'own' });
  });

  it('never takes a .fs2od for data, even with fs2odMetadataFile off (one left by fs2od may hold the invite token)', () => {
    // Guards the unconditional access-info check in classify: with it tied to `enabled`, an old
    // .fs2od was registered into the space, and so published by its share.
    const off = new KeyClassifier({ ...base, fs2odMetadataFile: { ...base.fs2odMetadataFile, enabled: false }, watchedDirectories: ['tomo'] });
    expect(off.classify('b', 'tomo/T1/.fs2od')).toMatchObject({ kind: 'own' });
    expect(off.classify('b', 'tomo/T1/sub/.fs2od')).toMatchObject({ kind: 'data' });
  });

  it('ignores keys outside watched prefixes, files beside datasets and folder markers; refuses slash-only keys', () => {
    expect(c.classify('b', 'cryoem/1999/Run/SPA.yml').kind).toBe('ignored');
    expect(c.classify('b', 'tomo/loose.txt').kind).toBe('ignored');
    expect(c.classify('b', 'tomo/T1/').kind).toBe('ignored');
    expect(c.classify('b', 'tomo/T1/sub/').kind).toBe('ignored');
    expect(c.classify('b', '///').kind).toBe('refused');
    expect(c.classify('b', 'tomo//x').kind).toBe('refused');
  });

  it('supports the bucket root as the watched directory', () => {
    const root = new KeyClassifier({ ...base, watchedDirectories: [''] });
    expect(root.classify('b', 'Run1/SPA.yml')).toMatchObject({ kind: 'metadata', dataset: { base: '', prefix: 'Run1' } });
    expect(root.datasetOf('b', 'Run1')).toMatchObject({ name: 'Run1' });
  });

  it('derives a stable dataset id from bucket and prefix', () => {
    expect(datasetId('b', 'tomo/T1')).toBe(datasetId('b', 'tomo/T1'));
    expect(datasetId('b', 'tomo/T1')).not.toBe(datasetId('c', 'tomo/T1'));
    expect(datasetId('b', 'tomo/T1')).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('glob components', () => {
  it.each([
    ['20*', '2024', true],
    ['20*', '1999', false],
    ['run?', 'run1', true],
    ['run?', 'run12', false],
    ['[ab]x', 'bx', true],
    ['[!ab]x', 'cx', true],
    ['[!ab]x', 'ax', false],
    ['a.b', 'axb', false],
    ['(x)', '(x)', true],
  ])('%s matches %s: %s', (glob, name, expected) => {
    expect(globComponentToRegExp(glob).test(name)).toBe(expected);
  });
});

describe('routeEvents', () => {
  const c = new KeyClassifier({ ...base, watchedDirectories: ['d'] });
  const ev = (key: string, extra: Partial<ObjectEvent> = {}): ObjectEvent => ({
    bucket: 'b',
    key,
    change: 'created',
    eventName: 'ObjectCreated:Put',
    eventTime: 't',
    producer: 'ceph',
    etag: 'e1',
    ...extra,
  });

  it('makes one provision job per dataset version, one import job per object version', () => {
    const r = routeEvents([ev('d/R/SPA.yml'), ev('d/R/SPA.yml'), ev('d/R/SPA.yml', { etag: 'e2' }), ev('d/R/a.tif'), ev('d/R/a.tif'), ev('x/y')], c, 'corr');
    expect(r.provision.map((j) => j.etag)).toEqual(['e1', 'e2']);
    expect(r.import).toHaveLength(1);
    expect(r.import[0]).toMatchObject({ role: 'data', relPath: 'a.tif', correlationId: 'corr' });
    expect(r.dropped).toEqual([{ key: 'x/y', reason: 'outside watched directories' }]);
  });

  it('drops removal of the metadata file and routes the .running marker as an import job', () => {
    const r = routeEvents([ev('d/R/SPA.yml', { change: 'removed' }), ev('d/R/.running', { change: 'removed', etag: undefined, sequencer: 's1' })], c);
    expect(r.provision).toEqual([]);
    expect(r.import).toEqual([expect.objectContaining({ role: 'running-marker', change: 'removed', relPath: '.running' })]);
  });
});
