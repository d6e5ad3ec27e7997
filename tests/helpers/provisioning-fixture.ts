import { parseConfig, type S3odConfig } from '../../shared/config/index.ts';
import { datasetRef, type DatasetRef } from '../../shared/dataset/ref.ts';
import { createLogger } from '../../shared/log/index.ts';
import { createOnedataClient } from '../../shared/onedata/index.ts';
import type { ProvisioningDeps } from '../../shared/provisioning/context.ts';
import type { ImportListingJob, ProvisionJob } from '../../shared/queue/jobs.ts';
import { StateStore } from '../../shared/state/state-store.ts';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startOnedataSim } from '../../infra/local/onedata-sim/index.ts';
import { MemoryObjects } from './memory-objects.ts';

/**
 * provisionDataset in one process: the Onedata simulator on 127.0.0.1 (started by the test file)
 * and an in-memory bucket with S3's conditional writes.
 */
type Sim = Awaited<ReturnType<typeof startOnedataSim>>;
const silent = createLogger({ test: true });
/**
 * The Onedata simulator for a test file: started on 127.0.0.1 before its tests (no latency, no
 * propagation delay), reset before each — its knobs too, back to no faults (plus `knobs`) —
 * closed after the last. Read `box.sim` inside the tests.
 */
export function useOnedataSim(knobs: Parameters<Sim['configure']>[0] = {}): { readonly sim: Sim } {
  const box = {} as { sim: Sim };
  beforeAll(async () => {
    box.sim = await startOnedataSim({ latencyMs: 0, propagationDelayMs: 0 });
  });
  afterAll(async () => {
    await box.sim?.close();
  });
  beforeEach(() => {
    box.sim.configure({ latencyMs: 0, propagationDelayMs: 0, faultRate: 0, lostResponseRate: 0, dropAnswers: [], ...knobs });
    box.sim.reset();
  });
  return box;
}

export const METADATA = 'Sample:\n  Name: apoferritin\nGrids: 3\n';

export function provisioningFixture(sim: Sim, extra = '', onedata = 'onedata: { retries: 1, providerPollMaxMs: 20 }') {
  const config: S3odConfig = parseConfig(`
bucket: facility
watchedDirectories: [datasets]
institutionName: Test Facility
managerGroupId: ${sim.info.managerGroupId}
userGroupId: ${sim.info.userGroupId}
serviceUserId: ${sim.info.serviceUserId}
s3Storage: { endpoint: "https://s3.example.org" }
restAccess: { onezone: { host: "${sim.url}" }, oneproviders: [{ host: "${sim.url}" }] }
provisioning: { leaseSeconds: 30, maxAttempts: 3 }
${onedata}
${extra}`);
  const objects = new MemoryObjects();
  const states = new StateStore(objects);
  const listings: ImportListingJob[] = [];
  const deps: ProvisioningDeps = {
    config,
    secrets: { onezoneToken: sim.info.token, oneproviderToken: sim.info.token },
    onedata: createOnedataClient({
      onezoneUrl: sim.url,
      oneproviderUrl: sim.url,
      onezoneToken: sim.info.token,
      timeoutMs: 5000,
      retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 5 },
      logger: silent,
    }),
    objects,
    states,
    enqueueListing: async (job) => void listings.push(job),
    log: silent,
  };
  return { deps, objects, states, listings };
}

export function uploadMetadata(objects: MemoryObjects, name = 'Run1', text = METADATA): { ds: DatasetRef; job: ProvisionJob } {
  const ds = datasetRef('facility', 'datasets', name);
  const etag = objects.seed(`${ds.prefix}/SPA.yml`, text);
  return {
    ds,
    job: {
      type: 'provision',
      dataset: ds,
      metadataFile: 'SPA.yml',
      etag,
      dedupKey: `p:${ds.id}:${etag}`,
      correlationId: 'c1',
      enqueuedAt: new Date().toISOString(),
      reason: 'event',
    },
  };
}
