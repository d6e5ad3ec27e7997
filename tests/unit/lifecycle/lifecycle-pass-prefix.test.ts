import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOnedataSim } from '../../../infra/local/onedata-sim/index.ts';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { runLifecyclePass } from '../../../shared/lifecycle/lifecycle-pass.ts';
import { provisionDataset } from '../../../shared/provisioning/provision-dataset.ts';
import { provisioningFixture, uploadMetadata } from '../../helpers/provisioning-fixture.ts';

/** `s3od lifecycle run --prefix`: which records a pass reads. */
let sim: Awaited<ReturnType<typeof startOnedataSim>>;
beforeAll(async () => {
  sim = await startOnedataSim({ latencyMs: 0, propagationDelayMs: 0 });
});
afterAll(async () => {
  await sim?.close();
});

describe('a lifecycle pass limited to a prefix', () => {
  it("reads only that dataset's record when the prefix names one, and lists every record for a folder", async () => {
    // Guards: recordsToVisit's read of the one record (removed: every pass for one dataset reads
    // every record in the bucket — thousands at a facility).
    const { deps, objects } = provisioningFixture(sim);
    for (const name of ['Run1', 'Run2']) expect(await provisionDataset(uploadMetadata(objects, name).job, deps)).toBe('provisioned');
    const pass = (prefix: string) => runLifecyclePass({ ...deps, providers: [], now: () => new Date() }, prefix);

    objects.calls.length = 0;
    expect((await pass('datasets/Run1/')).datasets).toBe(1);
    expect(objects.calls.filter((c) => c.op === 'list')).toEqual([]);
    // The record read to find it, and again by the lease: both Run1's, no other record.
    const run1 = `.s3od/state/${datasetRef('facility', 'datasets', 'Run1').id}.json`;
    expect(new Set(objects.calls.filter((c) => c.op === 'get' && c.key.startsWith('.s3od/state/')).map((c) => c.key))).toEqual(new Set([run1]));

    objects.calls.length = 0;
    expect((await pass('datasets')).datasets).toBe(2);
    expect(objects.calls.some((c) => c.op === 'list')).toBe(true);
  });
});
