import { describe, expect, it } from 'vitest';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { resolveClaimedDataset } from '../../../shared/dataset/trust.ts';
import { KeyClassifier } from '../../../shared/events/classify.ts';

// Guards shared/dataset/trust.ts: a job's dataset is re-derived, never taken from the job.
const classifier = new KeyClassifier({
  watchedDirectories: ['cryoem/*'],
  metadataFiles: ['SPA.yml'],
  continousFileImport: { enabled: true, runningFileName: '.running', scanInterval: 10800, detectModifications: false, detectDeletions: false },
  fs2odMetadataFile: { enabled: false, filename: '.fs2od', storeAccessInfo: false },
});

describe('resolveClaimedDataset', () => {
  const real = datasetRef('facility', 'cryoem/krios1', 'Run');

  it('accepts a claim whose id is the one its folder derives, and returns the derived ref', () => {
    const r = resolveClaimedDataset({ ...real, name: 'Forged name', base: 'elsewhere' }, 'facility', classifier);
    expect(r).toEqual({ ok: true, dataset: real });
  });

  it.each([
    ['another bucket', { ...real, bucket: 'other' }],
    ['an id of another dataset', { ...real, id: datasetRef('facility', 'cryoem/krios2', 'Run').id }],
    ['a folder outside the watched directories', datasetRef('facility', '.s3od', 'state')],
    ['a path escape', datasetRef('facility', 'cryoem/..', 'private')],
    ['no dataset at all', undefined],
    ['a string', 'cryoem/krios1/Run'],
  ])('refuses %s', (_what, claim) => {
    expect(resolveClaimedDataset(claim, 'facility', classifier).ok).toBe(false);
  });
});
