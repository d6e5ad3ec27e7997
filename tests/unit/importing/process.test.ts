import { beforeEach, describe, expect, it, vi } from 'vitest';
import { datasetRef, type DatasetRef } from '../../../shared/dataset/ref.ts';
import { KeyClassifier } from '../../../shared/events/classify.ts';
import { knownTargets, type ImportDeps } from '../../../shared/importing/context.ts';
import { processImportJobs } from '../../../shared/importing/process.ts';
import { createLogger } from '../../../shared/log/index.ts';
import { OnedataError, type OnedataClient } from '../../../shared/onedata/index.ts';
import type { AnyImportJob, ImportJob } from '../../../shared/queue/jobs.ts';
import { newDatasetState } from '../../../shared/state/dataset-state.ts';
import { StateStore } from '../../../shared/state/state-store.ts';
import { MemoryObjects } from '../../helpers/memory-objects.ts';
import { testConfig } from '../../helpers/test-config.ts';

/**
 * processImportJobs: one batch of import-queue jobs, on an in-memory bucket (records with S3's
 * conditional writes) and a fake Oneprovider registration call. Each test names the logic it
 * guards; each was shown to fail with that logic removed.
 */
const config = testConfig('continousFileImport: { enabled: true }\n');
const A = datasetRef('facility', 'datasets', 'RunA');
const B = datasetRef('facility', 'datasets', 'RunB');
const NEW = datasetRef('facility', 'datasets', 'RunNew');

const transient = () =>
  new OnedataError({ service: 'oneprovider', method: 'POST', path: '/data/register', status: 503, id: 'serviceUnavailable', description: 'busy' });
const permanent = () =>
  new OnedataError({ service: 'oneprovider', method: 'POST', path: '/data/register', status: 400, id: 'badValueFilePath', description: 'bad path' });

async function setUp(register: (req: { storageFileId: string }) => Promise<void> = async () => undefined) {
  const objects = new MemoryObjects();
  const states = new StateStore(objects);
  for (const [ds, n] of [
    [A, 1],
    [B, 2],
  ] as const) {
    const s = newDatasetState(ds);
    Object.assign(s, { status: 'provisioned', completedSteps: { 'wait-for-provider': 't' } });
    s.outputs = { spaceId: `space-${n}`, storageId: `storage-${n}` };
    objects.seed(states.key(ds.id), JSON.stringify(s));
  }
  // A dataset whose saga has not reached its provider yet.
  const pending = newDatasetState(NEW);
  pending.status = 'provisioning';
  objects.seed(states.key(NEW.id), JSON.stringify(pending));
  const registerFile = vi.fn(register);
  const enqueue = vi.fn(async (_job: AnyImportJob) => undefined);
  const deps = {
    config,
    classifier: new KeyClassifier(config),
    onedata: { provider: { registerFile } } as unknown as OnedataClient,
    objects,
    states,
    enqueue,
    log: createLogger({ test: true }),
  } satisfies ImportDeps;
  return { deps, objects, states, registerFile, enqueue };
}

const data = (ds: DatasetRef, file: string, change: 'created' | 'removed' = 'created'): ImportJob => ({
  type: 'import',
  dataset: ds,
  role: 'data',
  change,
  key: `${ds.prefix}/${file}`,
  relPath: file,
  size: 10,
  eventTime: '2026-01-01T00:00:00Z',
  dedupKey: `${ds.id}:${file}`,
  correlationId: 'c',
});
const marker = (ds: DatasetRef, change: 'created' | 'removed'): ImportJob => ({
  type: 'import',
  dataset: ds,
  role: 'running-marker',
  change,
  key: `${ds.prefix}/.running`,
  relPath: '.running',
  eventTime: '2026-01-01T00:00:00Z',
  sequencer: '0A',
  dedupKey: `${ds.id}:.running:${change}`,
  correlationId: 'c',
});

const recordReads = (objects: MemoryObjects, ds: DatasetRef) => objects.calls.filter((c) => c.op === 'get' && c.key.endsWith(`${ds.id}.json`)).length;
const recordWrites = (objects: MemoryObjects, ds: DatasetRef) => objects.calls.filter((c) => c.op === 'put' && c.key.endsWith(`${ds.id}.json`)).length;

beforeEach(() => knownTargets.clear());

describe('processImportJobs', () => {
  it('registers a mixed batch per dataset: the record read for its target once and its counters written once per dataset, results in job order', async () => {
    // Guards: grouping object changes per dataset (record read once, counters written once).
    const { deps, objects, states, registerFile } = await setUp();
    const jobs = [data(A, 'm/1.tif'), data(B, 'x.tif'), data(A, 'm/2.tif'), data(NEW, 'early.tif'), data(A, 'm/3.tif'), data(B, 'y.tif')];
    const results = await processImportJobs(jobs, deps);
    expect(results.map((r) => (r.ok ? r.outcome : 'error'))).toEqual([
      'registered',
      'registered',
      'registered',
      'dataset not provisioned yet; covered by its first import',
      'registered',
      'registered',
    ]);
    expect(registerFile.mock.calls.map(([r]) => r).sort((a, b) => a.storageFileId.localeCompare(b.storageFileId))).toEqual([
      expect.objectContaining({ spaceId: 'space-1', storageId: 'storage-1', storageFileId: '/datasets/RunA/m/1.tif', destinationPath: '/m/1.tif', size: 10 }),
      expect.objectContaining({ storageFileId: '/datasets/RunA/m/2.tif' }),
      expect.objectContaining({ storageFileId: '/datasets/RunA/m/3.tif' }),
      expect.objectContaining({ spaceId: 'space-2', storageId: 'storage-2', storageFileId: '/datasets/RunB/x.tif' }),
      expect.objectContaining({ storageFileId: '/datasets/RunB/y.tif' }),
    ]);
    // Per dataset: one read for its target, one for the counters' compare-and-swap, one write.
    expect([recordReads(objects, A), recordReads(objects, B)]).toEqual([2, 2]);
    expect([recordWrites(objects, A), recordWrites(objects, B), recordWrites(objects, NEW)]).toEqual([1, 1, 0]);
    expect((await states.read(A.id))!.state.import.registered).toBe(3);
    expect((await states.read(B.id))!.state.import.registered).toBe(2);
  });

  it('a second batch of a dataset seen ready reads no record', async () => {
    // Guards: the per-container cache of import targets (knownTargets).
    const { deps, objects } = await setUp();
    await processImportJobs([data(A, '1.tif')], deps);
    objects.calls.length = 0;
    const results = await processImportJobs([data(A, '2.tif'), data(A, '3.tif')], deps);
    expect(results.every((r) => r.ok)).toBe(true);
    // Not even the counters read it: they write from the version they wrote last (counters.ts).
    expect(recordReads(objects, A)).toBe(0);
  });

  it('the counters fall back to reading the record when someone else wrote it since', async () => {
    // Guards: the compare-and-swap on the remembered version (StateStore.update's `known`).
    const { deps, objects, states } = await setUp();
    await processImportJobs([data(A, '1.tif')], deps);
    await states.update(A, (s) => void (s.import.growing = true));
    objects.calls.length = 0;
    await processImportJobs([data(A, '2.tif')], deps);
    const rec = (await states.read(A.id))!.state;
    // Nothing lost on either side: the other writer's change and both batches' counts.
    expect(rec.import).toMatchObject({ registered: 2, growing: true });
    expect(recordReads(objects, A)).toBeGreaterThan(0);
  });

  it('a transient failure fails only its own job (partial batch failure); a permanent one is acknowledged and counted', async () => {
    // Guards: per-object outcomes (retry vs failed) mapped back to the jobs.
    const { deps, states } = await setUp(async (req) => {
      if (req.storageFileId.endsWith('/busy.tif')) throw transient();
      if (req.storageFileId.endsWith('/bad.tif')) throw permanent();
    });
    const results = await processImportJobs([data(A, 'ok.tif'), data(A, 'busy.tif'), data(A, 'bad.tif'), data(A, 'ok2.tif')], deps);
    expect(results.map((r) => (r.ok ? r.outcome : 'retry'))).toEqual(['registered', 'retry', 'failed permanently', 'registered']);
    const rec = (await states.read(A.id))!.state;
    expect(rec.import).toMatchObject({ registered: 2, failed: 1 });
  });

  it("a failure to record the counts fails the dataset's jobs (they come back), not the other datasets'", async () => {
    // Guards: the batch's jobs are acknowledged only after their counts are stored.
    const { deps, objects, states } = await setUp();
    objects.beforePut = (key) => {
      if (key === states.key(A.id)) throw new Error('S3 unavailable');
    };
    const results = await processImportJobs([data(A, '1.tif'), data(B, '1.tif')], deps);
    expect(results.map((r) => r.ok)).toEqual([false, true]);
  });

  it('.running: created marks the dataset growing; its removal freezes once, a repeated removal does nothing', async () => {
    // Guards: growing/freeze on the marker, and "only a marker that was there freezes".
    const { deps, objects, states, enqueue } = await setUp();
    objects.seed(`${A.prefix}/.running`, '');
    const created = await processImportJobs([marker(A, 'created')], deps);
    objects.data.delete(`${A.prefix}/.running`);
    expect(created[0]).toEqual({ ok: true, outcome: 'growing' });
    expect((await states.read(A.id))!.state.import.growing).toBe(true);
    const removed = await processImportJobs([marker(A, 'removed')], deps);
    expect(removed[0]).toEqual({ ok: true, outcome: 'freeze requested' });
    expect(enqueue).toHaveBeenCalledTimes(1);
    expect(enqueue.mock.calls[0]![0]).toMatchObject({ type: 'import-freeze', dataset: { id: A.id } });
    const again = await processImportJobs([marker(A, 'removed')], deps);
    expect(again[0]).toEqual({ ok: true, outcome: 'was not growing' });
    expect(enqueue).toHaveBeenCalledTimes(1);
  });

  it('.running: a removal event while the marker is still in the bucket (an old version deleted, a late event) freezes nothing', async () => {
    // Guards the listing before the freeze (removed: deleting an old version of `.running` in a
    // versioned bucket shrank the support and ended the import of a dataset still being acquired).
    const { deps, objects, states, enqueue } = await setUp();
    objects.seed(`${A.prefix}/.running`, '');
    await processImportJobs([marker(A, 'created')], deps);
    const removed = await processImportJobs([marker(A, 'removed')], deps);
    expect(removed[0]).toEqual({ ok: true, outcome: 'marker still there; not frozen' });
    expect((await states.read(A.id))!.state.import.growing).toBe(true);
    expect(enqueue).not.toHaveBeenCalled();
    // Only the marker's own key counts: a `.running.bak` beside a removed marker does not hold the freeze.
    objects.seed(`${A.prefix}/.running.bak`, '');
    objects.data.delete(`${A.prefix}/.running`);
    expect((await processImportJobs([marker(A, 'removed')], deps))[0]).toEqual({ ok: true, outcome: 'freeze requested' });
  });

  it('.running: a creation event delivered after the marker was removed does not make the dataset grow for good', async () => {
    // Guards the listing on creation (removed: the late creation set growing, and with the marker
    // gone no removal would ever come to freeze the dataset).
    const { deps, objects, states } = await setUp();
    objects.seed(`${A.prefix}/.running.bak`, '');
    expect((await processImportJobs([marker(A, 'created')], deps))[0]).toEqual({ ok: true, outcome: 'marker already gone; not growing' });
    expect((await states.read(A.id))!.state.import.growing).not.toBe(true);
  });

  it('a removed data object is recorded, never unregistered', async () => {
    // Guards: removal handling (counted; no Onedata call).
    const { deps, states, registerFile } = await setUp();
    const results = await processImportJobs([data(A, 'gone.tif', 'removed')], deps);
    expect(results[0]).toEqual({ ok: true, outcome: 'removal recorded' });
    expect(registerFile).not.toHaveBeenCalled();
    expect((await states.read(A.id))!.state.import.removed).toBe(1);
  });
});
