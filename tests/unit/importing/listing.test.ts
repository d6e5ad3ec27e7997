import { describe, expect, it, vi } from 'vitest';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { KeyClassifier } from '../../../shared/events/classify.ts';
import type { ImportDeps } from '../../../shared/importing/context.ts';
import { runListing } from '../../../shared/importing/listing.ts';
import { createLogger } from '../../../shared/log/index.ts';
import { StateStore } from '../../../shared/state/state-store.ts';
import { MemoryObjects } from '../../helpers/memory-objects.ts';
import { testConfig } from '../../helpers/test-config.ts';

/**
 * runListing (shared/importing/listing.ts) over an in-memory bucket with S3's conditional writes:
 * each page is registered and its progress recorded in the dataset's record.
 */
const config = testConfig('watchedDirectories: [datasets]\nimport: { registrationBatchSize: 2 }');
const ds = datasetRef('facility', 'datasets', 'Run1');

async function setUp(files: number) {
  const objects = new MemoryObjects();
  const states = new StateStore(objects);
  await states.update(ds, (s) => {
    s.status = 'provisioning';
    s.completedSteps['wait-for-provider'] = new Date().toISOString();
    s.outputs = { spaceId: 'space-1', storageId: 'storage-1' };
  });
  objects.seed(`${ds.prefix}/SPA.yml`, 'Sample: x\n');
  for (let i = 0; i < files; i++) objects.seed(`${ds.prefix}/raw/${i}.tif`, 'data');
  const registerFile = vi.fn(async (_req: { destinationPath: string }) => undefined);
  const deps = {
    config,
    classifier: new KeyClassifier(config),
    onedata: { provider: { registerFile } },
    objects,
    states,
    enqueue: vi.fn(async () => undefined),
    log: createLogger({ test: true }),
  } as unknown as ImportDeps;
  objects.calls.length = 0;
  return { deps, objects, states, registerFile };
}

const job = { type: 'import-listing' as const, dataset: ds, dedupKey: `listing:${ds.id}`, correlationId: 'c' };
const recordKey = `.s3od/state/${ds.id}.json`;

describe('runListing', () => {
  it('registers every data object page by page and reads the record once, however many pages it writes', async () => {
    // Guards: each progress write starts from the version this job last read or wrote
    // (`known`; removed: a GET of the record before every page's write, 3 here).
    const { deps, objects, states, registerFile } = await setUp(5);
    expect(await runListing(deps, job)).toEqual({ registered: 5, failed: 0, continued: false });
    expect(registerFile.mock.calls.map(([r]) => r.destinationPath).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `/raw/${i}.tif`));
    const recordCalls = objects.calls.filter((c) => c.key === recordKey);
    expect(recordCalls.filter((c) => c.op === 'get')).toHaveLength(1);
    // Pages of 2: two pages of progress and the final one.
    expect(recordCalls.filter((c) => c.op === 'put').map((c) => c.result)).toEqual(['ok', 'ok', 'ok']);
    const rec = (await states.read(ds.id))!.state;
    expect(rec.import.listing).toEqual({ done: true, listed: 5 });
    expect(rec.import.registered).toBe(5);
    expect(rec.import.lastImportAt).toBeDefined();
  });

  it("a write of the saga between two pages is kept: the refused PUT re-reads, and the listing's progress goes on top", async () => {
    // Guards: the known version is only a first guess (StateStore.update): a refused PUT falls back
    // to reading the record. Kept as the only guess, every retry is refused and the job fails.
    const { deps, objects, states } = await setUp(3);
    let interfered = false;
    objects.beforePut = async (key) => {
      if (key !== recordKey || interfered) return;
      interfered = true;
      objects.beforePut = undefined;
      await states.update(ds, (s) => void (s.outputs.shareId = 'share-1'));
    };
    expect(await runListing(deps, job)).toMatchObject({ registered: 3 });
    const puts = objects.puts(recordKey).map((c) => c.result);
    expect(puts).toContain('precondition-failed');
    const rec = (await states.read(ds.id))!.state;
    expect(rec.outputs.shareId).toBe('share-1');
    expect(rec.import.listing).toEqual({ done: true, listed: 3 });
    expect(rec.import.registered).toBe(3);
  });
});
