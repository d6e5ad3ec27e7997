import { describe, expect, it } from 'vitest';
import { recordRetryRequest } from '../../../infra/cli/commands/retry.ts';
import { parseConfig } from '../../../shared/config/index.ts';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { createLogger } from '../../../shared/log/index.ts';
import type { ProvisionJob } from '../../../shared/queue/jobs.ts';
import { reconcile } from '../../../shared/reconcile/reconcile.ts';
import { DEFAULT_REQUEUE_POLICY, decideRequeue, requeueDelayMs } from '../../../shared/reconcile/requeue-backoff.ts';
import { newDatasetState, type DatasetState } from '../../../shared/state/dataset-state.ts';
import { StateStore } from '../../../shared/state/state-store.ts';
import { PreconditionFailedError, type ObjectStore } from '../../../shared/storage/objects.ts';

/**
 * Reconcile's re-queues of a failed dataset back off exponentially and stop after a limit, until
 * the metadata file changes or `s3od retry` runs (issue #10). The clock is injected: reconcile's
 * `now` and the state store's clock are the same fake one.
 */

const MIN = 60_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');
const config = parseConfig(`
bucket: bkt
watchedDirectories: [tomo]
institutionName: X
managerGroupId: m
userGroupId: u
serviceUserId: s
s3Storage: { endpoint: "https://s3" }
restAccess: { onezone: { host: z }, oneproviders: [{ host: p }] }
`);

/** A bucket with compare-and-swap PUTs (as S3's If-Match / If-None-Match) and folder listing. */
class FakeBucket {
  readonly objects = new Map<string, { body: Buffer; etag: string }>();
  private version = 0;
  readonly store = {
    get: async (key: string) => this.objects.get(key),
    head: async (key: string) => {
      const o = this.objects.get(key);
      return o ? { etag: o.etag, size: o.body.length } : undefined;
    },
    put: async (key: string, body: Buffer | string, cond: { ifMatch?: string; ifNoneMatch?: '*' } = {}) => {
      const cur = this.objects.get(key);
      if (cond.ifNoneMatch === '*' && cur) throw new PreconditionFailedError(key);
      if (cond.ifMatch !== undefined && cur?.etag !== cond.ifMatch) throw new PreconditionFailedError(key);
      const etag = `v${++this.version}`;
      this.objects.set(key, { body: Buffer.from(body), etag });
      return etag;
    },
    list: (prefix: string, opts: { delimiter?: string } = {}) => {
      const keys = [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
      return (async function* () {
        const seen = new Set<string>();
        for (const k of keys) {
          const rest = k.slice(prefix.length);
          const i = opts.delimiter ? rest.indexOf('/') : -1;
          if (i < 0) yield { key: k, size: 1, etag: 'e' };
          else if (!seen.has(prefix + rest.slice(0, i + 1))) {
            seen.add(prefix + rest.slice(0, i + 1));
            yield { commonPrefix: prefix + rest.slice(0, i + 1) };
          }
        }
      })();
    },
  } as unknown as ObjectStore;
}

function setup() {
  const clock = { now: T0 };
  const bucket = new FakeBucket();
  const states = new StateStore(bucket.store, () => new Date(clock.now));
  const dataset = datasetRef('bkt', 'tomo', 'Run1');
  const sent: ProvisionJob[] = [];
  const run = () =>
    reconcile({ config, objects: bucket.store, states, enqueue: async (jobs) => void sent.push(...jobs), log: createLogger(), now: () => clock.now });
  const upload = async (text: string) => bucket.store.put(`${dataset.prefix}/SPA.yml`, text);
  /** The provision job's outcome after it used up its deliveries: failed, gave up (transient). */
  const gaveUp = (etag: string) =>
    states.update(dataset, (s) => {
      s.status = 'failed';
      s.metadataEtag = etag;
      s.lastError = { step: 'support-space', message: '503 serviceUnavailable', permanent: false, at: new Date(clock.now).toISOString() };
      s.failureReason = 'gave up after 5 attempts';
      delete s.lease;
    });
  const record = async (): Promise<DatasetState> => (await states.read(dataset.id))!.state;
  return { clock, bucket, states, dataset, sent, run, upload, gaveUp, record };
}

describe('the re-queue schedule', () => {
  it('doubles from 15 minutes up to a day, and stops after 8', () => {
    expect(Array.from({ length: 9 }, (_, n) => requeueDelayMs(n) / MIN)).toEqual([15, 30, 60, 120, 240, 480, 960, 1440, 1440]);
    expect(DEFAULT_REQUEUE_POLICY.limit).toBe(8);
    const s = { ...newDatasetState(datasetRef('b', 'p', 'n'), new Date(T0)), metadataEtag: 'a' };
    expect(decideRequeue({ ...s, requeues: { etag: 'a', count: 8, lastAt: new Date(T0).toISOString() } }, 'a', T0 + 1e10)).toEqual({
      action: 'stopped',
      count: 8,
    });
    expect(decideRequeue({ ...s, requeues: { etag: 'a', count: 2, lastAt: new Date(T0).toISOString() } }, 'a', T0 + 59 * MIN)).toMatchObject({
      action: 'wait',
      notBefore: T0 + 60 * MIN,
    });
    expect(decideRequeue({ ...s, requeues: { etag: 'a', count: 2, lastAt: new Date(T0).toISOString() } }, 'a', T0 + 60 * MIN)).toEqual({
      action: 'requeue',
      count: 3,
    });
  });
});

describe('reconcile backs off a dataset that keeps failing', () => {
  it('is not re-queued before its backoff time, is re-queued after it, and counts it in the record', async () => {
    const t = setup();
    const etag = await t.upload('Title: x\n');
    await t.gaveUp(etag);
    const failedAt = t.clock.now;

    t.clock.now = failedAt + 14 * MIN;
    expect(await t.run()).toMatchObject({ enqueued: 0, backingOff: 1 });
    expect(t.sent).toHaveLength(0);

    t.clock.now = failedAt + 15 * MIN;
    expect(await t.run()).toMatchObject({ enqueued: 1, backingOff: 0 });
    expect(t.sent.map((j) => [j.reason, j.etag])).toEqual([['reconcile', etag]]);
    expect((await t.record()).requeues).toEqual({ etag, count: 1, lastAt: new Date(failedAt + 15 * MIN).toISOString() });

    // The job fails again; the next wait is twice as long, counted from that failure.
    t.clock.now += 90 * MIN;
    await t.gaveUp(etag);
    const second = t.clock.now;
    t.clock.now = second + 29 * MIN;
    expect(await t.run()).toMatchObject({ enqueued: 0, backingOff: 1 });
    t.clock.now = second + 30 * MIN;
    expect(await t.run()).toMatchObject({ enqueued: 1 });
    expect((await t.record()).requeues?.count).toBe(2);
  });

  it('stops after the limit: every later run leaves the dataset alone', async () => {
    const t = setup();
    const etag = await t.upload('Title: x\n');
    await t.gaveUp(etag);
    for (let n = 1; n <= 8; n++) {
      t.clock.now += requeueDelayMs(n - 1);
      expect(await t.run(), `re-queue ${n}`).toMatchObject({ enqueued: 1 });
      t.clock.now += 60 * MIN;
      await t.gaveUp(etag);
    }
    expect(t.sent).toHaveLength(8);
    const rec = await t.record();
    expect(rec.requeues?.count).toBe(8);
    expect(rec.history.map((h) => `${h.event}: ${h.detail}`)).toContain(
      'requeued by reconcile: 8 of 8, the last automatic one: upload a new version or run s3od retry',
    );
    // Weeks later: still nothing.
    for (let i = 0; i < 5; i++) {
      t.clock.now += 7 * 24 * 60 * MIN;
      expect(await t.run()).toMatchObject({ enqueued: 0, requeueLimitReached: 1 });
    }
    expect(t.sent).toHaveLength(8);
  });

  it('resumes at once when the metadata file changes (a new version whose event was lost), and counts from zero', async () => {
    const t = setup();
    const old = await t.upload('Title: x\n');
    await t.gaveUp(old);
    for (let n = 1; n <= 8; n++) {
      t.clock.now += requeueDelayMs(n - 1);
      await t.run();
      await t.gaveUp(old);
    }
    expect(await t.run()).toMatchObject({ requeueLimitReached: 1 });
    const fixed = await t.upload('Title: fixed\n');
    t.clock.now += MIN;
    expect(await t.run()).toMatchObject({ enqueued: 1 });
    expect(t.sent.at(-1)!.etag).toBe(fixed);
    expect((await t.record()).requeues).toMatchObject({ etag: fixed, count: 1 });
    // The new version gets its own schedule: its next re-queue after its own failure + 30 min.
    await t.gaveUp(fixed);
    const at = t.clock.now;
    t.clock.now = at + 29 * MIN;
    expect(await t.run()).toMatchObject({ enqueued: 0, backingOff: 1 });
    t.clock.now = at + 30 * MIN;
    expect(await t.run()).toMatchObject({ enqueued: 1 });
  });

  it('resumes after s3od retry, which clears the count', async () => {
    const t = setup();
    const etag = await t.upload('Title: x\n');
    await t.gaveUp(etag);
    for (let n = 1; n <= 8; n++) {
      t.clock.now += requeueDelayMs(n - 1);
      await t.run();
      await t.gaveUp(etag);
    }
    expect(await t.run()).toMatchObject({ requeueLimitReached: 1 });

    // What `s3od retry` writes into the record before it sends the job.
    await t.states.update(t.dataset, recordRetryRequest);
    expect((await t.record()).requeues).toBeUndefined();
    expect((await t.record()).history.at(-1)?.event).toBe('retry requested');

    // The retried job fails too: reconcile takes it up again from the first, short wait.
    await t.gaveUp(etag);
    const at = t.clock.now;
    t.clock.now = at + 15 * MIN;
    expect(await t.run()).toMatchObject({ enqueued: 1, requeueLimitReached: 0 });
  });

  it('leaves a file refused as bad input alone, and re-queues a new version whose notification was lost', async () => {
    const t = setup();
    const bad = await t.upload('- a list\n');
    await t.states.update(t.dataset, (s) => {
      s.status = 'failed';
      s.metadataEtag = bad;
      s.lastError = { step: 'read-metadata', message: 'NOT_A_MAPPING', permanent: true, at: new Date(t.clock.now).toISOString() };
    });
    t.clock.now += 24 * 60 * MIN;
    expect(await t.run()).toMatchObject({ enqueued: 0, failedNeedsOperator: 1 });
    const fixed = await t.upload('Title: x\n');
    expect(await t.run()).toMatchObject({ enqueued: 1, failedNeedsOperator: 0 });
    expect(t.sent.map((j) => j.etag)).toEqual([fixed]);
  });

  it('does not send a job when the record moved meanwhile (another run counted it, or a worker took it)', async () => {
    const t = setup();
    const etag = await t.upload('Title: x\n');
    await t.gaveUp(etag);
    t.clock.now += 15 * MIN;
    // Two overlapping runs: both read the record before either writes.
    const [a, b] = await Promise.all([t.run(), t.run()]);
    expect(a.enqueued + b.enqueued).toBe(1);
    expect(t.sent).toHaveLength(1);
    expect((await t.record()).requeues?.count).toBe(1);
  });
});
