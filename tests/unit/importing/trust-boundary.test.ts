import { describe, expect, it, vi } from 'vitest';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { KeyClassifier } from '../../../shared/events/classify.ts';
import type { ImportDeps } from '../../../shared/importing/context.ts';
import { processImportJobs } from '../../../shared/importing/process.ts';
import { registerObjects } from '../../../shared/importing/register.ts';
import { createLogger } from '../../../shared/log/index.ts';
import type { AnyImportJob, ImportJob } from '../../../shared/queue/jobs.ts';
import { newDatasetState } from '../../../shared/state/dataset-state.ts';
import { testConfig } from '../../helpers/test-config.ts';

/**
 * Guards the import worker's trust boundary (vetImportJob in shared/importing/process.ts and the
 * gate in registerObjects): a job is a claim; only a data object of the job's own dataset, at the
 * path its key gives, is ever registered into that dataset's space.
 */
const config = testConfig('watchedDirectories: ["cryoem/*"]');
const one = datasetRef('facility', 'cryoem/krios1', 'Run1');
const two = datasetRef('facility', 'cryoem/krios1', 'Run2');

function deps() {
  const registerFile = vi.fn(async (_req: { storageFileId: string; destinationPath: string }) => undefined);
  const state = newDatasetState(one);
  Object.assign(state, { status: 'provisioned', completedSteps: { 'wait-for-provider': 't' } });
  state.outputs = { spaceId: 'space-1', storageId: 'storage-1' };
  const d = {
    config,
    classifier: new KeyClassifier(config),
    onedata: { provider: { registerFile } },
    objects: {},
    states: { read: async () => ({ state, etag: 'e' }), update: async () => ({ state, etag: 'e' }) },
    enqueue: vi.fn(async () => undefined),
    log: createLogger({ test: true }),
  } as unknown as ImportDeps;
  return { d, registerFile };
}

const job = (over: Partial<ImportJob>): ImportJob => ({
  type: 'import',
  dataset: one,
  role: 'data',
  change: 'created',
  key: 'cryoem/krios1/Run1/a.tif',
  relPath: 'a.tif',
  size: 3,
  eventTime: '2024-01-01T00:00:00Z',
  dedupKey: 'k',
  correlationId: 'c',
  ...over,
});

describe('the import worker re-derives the dataset from the key', () => {
  it.each([
    ['a state record of another dataset', `.s3od/state/${two.id}.json`],
    ["another dataset's metadata file", 'cryoem/krios1/Run2/SPA.yml'],
    ["another dataset's data object", 'cryoem/krios1/Run2/a.tif'],
    ['its own metadata file', 'cryoem/krios1/Run1/SPA.yml'],
    ['its own status object', 'cryoem/krios1/Run1/.s3od-status.yml'],
    ['a path escape', 'cryoem/krios1/../Run2/a.tif'],
  ])('a forged job naming %s registers nothing', async (_what, key) => {
    const { d, registerFile } = deps();
    const [r] = await processImportJobs([job({ key, relPath: 'stolen' })], d);
    expect(r).toMatchObject({ ok: true, outcome: expect.stringMatching(/^refused/) });
    expect(registerFile).not.toHaveBeenCalled();
  });

  it('a job of another bucket is refused', async () => {
    const { d, registerFile } = deps();
    const [r] = await processImportJobs([job({ dataset: { ...one, bucket: 'elsewhere' } })], d);
    expect(r).toMatchObject({ ok: true, outcome: expect.stringMatching(/^refused/) });
    expect(registerFile).not.toHaveBeenCalled();
  });

  it('registers a genuine object at the path its key gives, not the one the job claims', async () => {
    const { d, registerFile } = deps();
    const [r] = await processImportJobs([job({ key: 'cryoem/krios1/Run1/sub/a.tif', relPath: '../../Run2/a.tif' })], d);
    expect(r).toEqual({ ok: true, outcome: 'registered' });
    expect(registerFile).toHaveBeenCalledTimes(1);
    expect(registerFile.mock.calls[0]![0]).toMatchObject({ storageFileId: '/cryoem/krios1/Run1/sub/a.tif', destinationPath: '/sub/a.tif' });
  });

  it('control jobs naming a dataset that does not derive from its folder are refused', async () => {
    const { d, registerFile } = deps();
    const forged: AnyImportJob[] = [
      { type: 'import-listing', dataset: { ...one, prefix: 'cryoem/krios1' }, dedupKey: 'l', correlationId: 'c' },
      { type: 'import-freeze', dataset: { ...one, id: two.id }, freezeKey: 'f', dedupKey: 'f', correlationId: 'c' },
    ];
    const results = await processImportJobs(forged, d);
    expect(results.map((r) => r.ok && r.outcome.startsWith('refused'))).toEqual([true, true]);
    expect(registerFile).not.toHaveBeenCalled();
  });
});

describe("registerObjects admits only the dataset's own data objects", () => {
  it('refuses keys of other datasets, reserved keys and mismatched paths, and registers the rest', async () => {
    const { d, registerFile } = deps();
    const r = await registerObjects(d, one, { spaceId: 'space-1', storageId: 'storage-1' }, [
      { key: 'cryoem/krios1/Run1/ok.tif', relPath: 'ok.tif', size: 1 },
      { key: 'cryoem/krios1/Run2/x.tif', relPath: 'x.tif', size: 1 },
      { key: `.s3od/state/${two.id}.json`, relPath: 'x.json', size: 1 },
      { key: 'cryoem/krios1/Run1/SPA.yml', relPath: 'SPA.yml', size: 1 },
      { key: 'cryoem/krios1/Run1/b.tif', relPath: 'elsewhere/b.tif', size: 1 },
    ]);
    expect(r.registered).toBe(1);
    expect(r.failed.map((f) => f.key)).toEqual([
      'cryoem/krios1/Run2/x.tif',
      `.s3od/state/${two.id}.json`,
      'cryoem/krios1/Run1/SPA.yml',
      'cryoem/krios1/Run1/b.tif',
    ]);
    expect(registerFile.mock.calls.map((c) => c[0].storageFileId)).toEqual(['/cryoem/krios1/Run1/ok.tif']);
  });
});
