import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config/index.ts';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { createLogger } from '../../../shared/log/index.ts';
import type { ImportListingJob, ProvisionJob } from '../../../shared/queue/jobs.ts';
import { listDatasetFolders } from '../../../shared/reconcile/list-datasets.ts';
import { reconcile } from '../../../shared/reconcile/reconcile.ts';
import { newDatasetState, type DatasetState } from '../../../shared/state/dataset-state.ts';
import type { ObjectStore } from '../../../shared/storage/objects.ts';
import type { StateStore } from '../../../shared/state/state-store.ts';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const config = parseConfig(`
bucket: bkt
watchedDirectories: ["runs/20*", "tomo"]
institutionName: X
managerGroupId: m
userGroupId: u
serviceUserId: s
s3Storage: { endpoint: "https://s3" }
restAccess: { onezone: { host: z }, oneproviders: [{ host: p }] }
`);

/** A fake bucket: keys only; LIST with delimiter returns "folders" as S3 does. */
function fakeObjects(keys: string[]): ObjectStore {
  return {
    async *list(prefix: string, opts: { delimiter?: string } = {}) {
      const seen = new Set<string>();
      for (const k of keys.filter((k) => k.startsWith(prefix)).sort()) {
        const rest = k.slice(prefix.length);
        const i = opts.delimiter ? rest.indexOf('/') : -1;
        if (i >= 0) {
          const p = prefix + rest.slice(0, i + 1);
          if (!seen.has(p)) {
            seen.add(p);
            yield { commonPrefix: p };
          }
        } else yield { key: k, size: 1, etag: 'e' };
      }
    },
    async head(key: string) {
      return keys.includes(key) ? { etag: `etag-of-${key}`, size: 1 } : undefined;
    },
  } as unknown as ObjectStore;
}

function fakeStates(states: Record<string, DatasetState>): StateStore {
  return {
    read: async (id: string) => (states[id] ? { state: states[id]!, etag: 'x' } : undefined),
    // Reconcile counts its re-queues in the record (no concurrent writer here).
    update: async (ref: { id: string }, change: (s: DatasetState) => boolean | void) => {
      const s = states[ref.id]!;
      change(s);
      return { state: s, etag: 'y' };
    },
  } as unknown as StateStore;
}

function stateOf(prefix: string, edit: (s: DatasetState) => void): [string, DatasetState] {
  const [base, name] = [prefix.slice(0, prefix.lastIndexOf('/')), prefix.slice(prefix.lastIndexOf('/') + 1)];
  const s = newDatasetState(datasetRef('bkt', base, name), new Date(NOW - 3600_000));
  edit(s);
  return [s.dataset.id, s];
}

describe('listDatasetFolders', () => {
  it("expands glob components level by level and lists each base's folders", async () => {
    const objects = fakeObjects(['runs/2024/A/SPA.yml', 'runs/2025/B/x', 'runs/1999/C/SPA.yml', 'tomo/T/SPA.yml', 'tomo/loose.txt', 'other/D/SPA.yml']);
    const found: string[] = [];
    for await (const d of listDatasetFolders(objects, config)) found.push(d.prefix);
    expect(found).toEqual(['runs/2024/A', 'runs/2025/B', 'tomo/T']);
  });
});

describe('reconcile', () => {
  it('enqueues the datasets that need it and leaves done, failed-on-input and busy ones alone', async () => {
    const keys = [
      'tomo/New/SPA.yml',
      'tomo/Done/SPA.yml',
      'tomo/Bad/SPA.yml',
      'tomo/Busy/SPA.yml',
      'tomo/Stuck/SPA.yml',
      'tomo/Recent/SPA.yml',
      'tomo/GaveUp/SPA.yml',
      'tomo/NoMeta/x.tif',
    ];
    const states = Object.fromEntries([
      stateOf('tomo/Done', (s) => {
        s.status = 'provisioned';
        s.import.listing = { done: true, listed: 3 };
      }),
      stateOf('tomo/Bad', (s) => {
        s.status = 'failed';
        s.lastError = { step: 'read-metadata', message: 'x', permanent: true, at: '' };
      }),
      stateOf('tomo/Busy', (s) => {
        s.status = 'provisioning';
        s.lease = { owner: 'o', expiresAt: new Date(NOW + 60_000).toISOString() };
      }),
      stateOf('tomo/Stuck', (s) => {
        s.status = 'provisioning';
      }),
      stateOf('tomo/Recent', (s) => {
        s.status = 'pending';
        s.updatedAt = new Date(NOW - 1000).toISOString();
      }),
      stateOf('tomo/GaveUp', (s) => {
        s.status = 'failed';
        s.lastError = { step: 'support-space', message: '503', permanent: false, at: '' };
      }),
    ]);
    const enqueued: ProvisionJob[] = [];
    const report = await reconcile({
      config,
      objects: fakeObjects(keys),
      states: fakeStates(states),
      enqueue: async (j) => void enqueued.push(...j),
      log: createLogger(),
      now: () => NOW,
    });
    expect(enqueued.map((j) => j.dataset.name).sort()).toEqual(['GaveUp', 'New', 'Stuck']);
    expect(enqueued.every((j) => j.reason === 'reconcile' && j.etag === `etag-of-${j.dataset.prefix}/SPA.yml`)).toBe(true);
    expect(report).toEqual({
      folders: 8,
      provisioned: 1,
      enqueued: 3,
      inProgress: 2,
      failedNeedsOperator: 1,
      noMetadata: 1,
      listingsRequeued: 0,
      backingOff: 0,
      requeueLimitReached: 0,
      errors: 0,
    });
  });

  it('re-queues the listing of a provisioned s3-mode dataset whose listing stalled', async () => {
    const states = Object.fromEntries([
      stateOf('tomo/Half', (s) => {
        s.status = 'provisioned';
        s.import.listing = { done: false, listed: 100, startAfter: 'tomo/Half/k100' };
      }),
    ]);
    const listings: ImportListingJob[] = [];
    const report = await reconcile({
      config,
      objects: fakeObjects(['tomo/Half/SPA.yml']),
      states: fakeStates(states),
      enqueue: async () => undefined,
      enqueueListing: async (j) => void listings.push(j),
      log: createLogger(),
      now: () => NOW,
    });
    expect(listings).toHaveLength(1);
    expect(report.listingsRequeued).toBe(1);
  });

  it("one folder's failure (a refused listing re-queue) is counted and logged; the other folders' jobs are still sent", async () => {
    // Guards the per-folder catch (removed: an AccessDenied on the import queue rejected the whole
    // pass, and no provision job was sent although their re-queue counts were written).
    const states = Object.fromEntries([
      stateOf('tomo/Half', (s) => {
        s.status = 'provisioned';
        s.import.listing = { done: false, listed: 100, startAfter: 'tomo/Half/k100' };
      }),
    ]);
    const enqueued: ProvisionJob[] = [];
    const report = await reconcile({
      config,
      objects: fakeObjects(['tomo/Half/SPA.yml', 'tomo/New/SPA.yml']),
      states: fakeStates(states),
      enqueue: async (j) => void enqueued.push(...j),
      enqueueListing: async () => {
        throw Object.assign(new Error('Access to the resource https://sqs.eu-central-1.amazonaws.com/ is denied.'), { name: 'AccessDenied' });
      },
      log: createLogger(),
      now: () => NOW,
    });
    expect(enqueued.map((j) => j.dataset.name)).toEqual(['New']);
    expect(report).toMatchObject({ folders: 2, enqueued: 1, errors: 1, listingsRequeued: 0 });
  });
});
