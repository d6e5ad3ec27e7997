import { describe, expect, it } from 'vitest';
import { checkKey, escapeUnsafe } from '../../../shared/dataset/key-path.ts';
import { datasetMountPoint, UnsafeMountPointError } from '../../../shared/dataset/mount-point.ts';
import { KeyClassifier } from '../../../shared/events/classify.ts';
import { WatchedPrefix } from '../../../shared/events/glob.ts';
import { routeEvents } from '../../../shared/events/route.ts';
import type { ObjectEvent } from '../../../shared/events/types.ts';

// Guards shared/dataset/key-path.ts (checkKey) and the wildcard rule in shared/events/glob.ts.
const rules = {
  metadataFiles: ['SPA.yml'],
  continousFileImport: { enabled: true, runningFileName: '.running', scanInterval: 10800, detectModifications: false, detectDeletions: false },
  fs2odMetadataFile: { enabled: false, filename: '.fs2od', storeAccessInfo: false },
};
const classifier = (watchedDirectories: string[]) => new KeyClassifier({ ...rules, watchedDirectories });

describe('a key is a safe path before it is mapped to a dataset', () => {
  it.each([
    ['cryoem/*', 'cryoem//krios1/SPA.yml', 'empty'],
    ['cryoem/*', 'cryoem/../private/SPA.yml', '".."'],
    ['cryoem/*', 'cryoem/./krios1/SPA.yml', '"."'],
    ['*/*', '../../etc/SPA.yml', '".."'],
    ['*', '/abs/SPA.yml', 'empty'],
    ['cryoem/*', 'cryoem/krios1/Run\n1/SPA.yml', 'U+000A'],
    ['cryoem/*', 'cryoem/krios1/Run\u001b[31m/SPA.yml', 'U+001B'],
    ['cryoem/*', 'cryoem/krios1/Run\u202eLMY.exe/SPA.yml', 'U+202E'],
    ['cryoem/*', 'cryoem/krios1/Run\u2066x/SPA.yml', 'U+2066'],
    ['cryoem/*', 'cryoem/krios1/Run\u0085/SPA.yml', 'U+0085'],
    ['cryoem/*', 'cryoem/krios1/Run/a\ud800b', 'surrogate'],
  ])('with watchedDirectories [%s], %j is refused (%s)', (watched, key, why) => {
    const cls = classifier([watched]).classify('b', key);
    expect(cls.kind).toBe('refused');
    expect((cls as { reason: string }).reason).toContain(why);
  });

  it('a wildcard never matches ".", ".." or nothing (hidden names it matches, as fs2od\'s fnmatch did)', () => {
    const c = classifier(['cryoem/*']);
    expect(c.datasetOf('b', 'cryoem/../Run')).toBeUndefined();
    expect(c.classify('b', 'cryoem/krios1/Run/SPA.yml').kind).toBe('metadata');
    expect(c.classify('b', 'cryoem/.archive/Run/SPA.yml').kind).toBe('metadata');
  });

  it('the matcher itself refuses ".", ".." and empty components, whatever the pattern', () => {
    for (const c of ['.', '..', '']) expect(new WatchedPrefix('cryoem/*').matches(['cryoem', c])).toBe(false);
    expect(new WatchedPrefix('cryoem/*').matches(['cryoem', '.hidden'])).toBe(true);
  });

  it('datasetOf refuses unsafe folders', () => {
    const c = classifier(['cryoem/*']);
    expect(c.datasetOf('b', 'cryoem/krios1/Run')?.prefix).toBe('cryoem/krios1/Run');
    expect(c.datasetOf('b', 'cryoem/../Run')).toBeUndefined();
    expect(c.datasetOf('b', 'cryoem//Run')).toBeUndefined();
    expect(c.datasetOf('b', 'cryoem/krios1/Run/')).toBeUndefined();
  });

  it('folder markers stay ignored, not refused', () => {
    expect(checkKey('cryoem/krios1/Run/')).toEqual({ ok: true, segments: ['cryoem', 'krios1', 'Run'] });
    expect(classifier(['cryoem/*']).classify('b', 'cryoem/krios1/Run/').kind).toBe('ignored');
  });

  it('routing drops refused keys with their reason and reports them apart', () => {
    const ev = (key: string): ObjectEvent =>
      ({ bucket: 'b', key, change: 'created', eventTime: '2024-01-01T00:00:00Z', eventName: 'ObjectCreated:Put', producer: 'rgw' }) as unknown as ObjectEvent;
    const routed = routeEvents([ev('cryoem/../x/SPA.yml'), ev('cryoem/k/Run/SPA.yml')], classifier(['cryoem/*']));
    expect(routed.provision.map((j) => j.dataset.prefix)).toEqual(['cryoem/k/Run']);
    expect(routed.refused).toEqual([{ key: 'cryoem/../x/SPA.yml', reason: expect.stringContaining('..') }]);
  });

  it('escapes what a terminal or log reader would interpret', () => {
    expect(escapeUnsafe('a\nb\u202ec\u001b')).toBe('a\\u{a}b\\u{202e}c\\u{1b}');
    expect(escapeUnsafe('Běh 1 🙂')).toBe('Běh 1 🙂');
  });
});

describe('datasetMountPoint', () => {
  it('joins with path functions and stays under the mount root', () => {
    expect(datasetMountPoint('/volumes/facility', 'cryoem/krios1/Run 1')).toBe('/volumes/facility/cryoem/krios1/Run 1');
    expect(datasetMountPoint('/volumes/facility/', 'Run')).toBe('/volumes/facility/Run');
  });

  it.each(['cryoem//krios1', 'cryoem/../private', '../../etc', '', 'a/.', '/etc', 'a/'])('refuses %j', (prefix) => {
    expect(() => datasetMountPoint('/volumes/facility', prefix)).toThrow(UnsafeMountPointError);
  });

  it('refuses a relative mount root', () => {
    expect(() => datasetMountPoint('volumes', 'Run')).toThrow(/absolute/);
  });
});
