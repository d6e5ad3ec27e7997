import { describe, expect, it } from 'vitest';
import { KeyClassifier } from '../../../shared/events/classify.ts';
import type { ImportDeps } from '../../../shared/importing/context.ts';
import { freezeDataset, freezeJobFor, MIN_SUPPORT_SIZE, thawDataset } from '../../../shared/importing/freeze.ts';
import { processImportJobs } from '../../../shared/importing/process.ts';
import { createOnedataClient } from '../../../shared/onedata/index.ts';
import { provisionDataset } from '../../../shared/provisioning/provision-dataset.ts';
import type { AnyImportJob, ImportFreezeJob, ImportJob } from '../../../shared/queue/jobs.ts';
import { StateStore } from '../../../shared/state/state-store.ts';
import { provisioningFixture, uploadMetadata, useOnedataSim } from '../../helpers/provisioning-fixture.ts';

/**
 * freezeDataset (shared/importing/freeze.ts) against the Onedata simulator on 127.0.0.1, on a
 * dataset provisioned there by the real saga, with an in-memory bucket (S3's conditional writes).
 * Each test names the logic it guards; each was shown to fail with that logic removed.
 */
type LogEntry = { method: string; path: string; body: unknown };
const local = useOnedataSim({ scanDurationMs: 20 });

const POSIX = 'storageMode: posix\nposixStorage: { mountRoot: /volumes/facility }\n';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A dataset provisioned in the simulator whose `.running` marker was just removed (process.ts has
 * set `growing: false` and queued the freeze). The freeze's Onedata client does not retry, so one
 * injected fault is one failed job; its record clock can be moved (lease expiry).
 */
async function frozenCandidate(extra = '', file?: string) {
  const fx = provisioningFixture(local.sim, extra);
  const { ds, job } = file === undefined ? uploadMetadata(fx.objects) : uploadMetadata(fx.objects, 'Run1', file);
  expect(await provisionDataset(job, fx.deps)).toBe('provisioned');
  await fx.states.update(ds, (s) => {
    s.import.growing = false;
  });
  let nowMs = Date.now();
  const states = new StateStore(fx.objects, () => new Date(nowMs));
  const enqueued: { job: AnyImportJob; delaySeconds: number | undefined }[] = [];
  const onedata = createOnedataClient({
    onezoneUrl: local.sim.url,
    oneproviderUrl: local.sim.url,
    onezoneToken: local.sim.info.token,
    timeoutMs: 5000,
    retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 },
    logger: fx.deps.log,
  });
  const deps: ImportDeps = {
    config: fx.deps.config,
    classifier: new KeyClassifier(fx.deps.config),
    onedata,
    objects: fx.objects,
    states,
    enqueue: async (j, delaySeconds) => void enqueued.push({ job: j, delaySeconds }),
    log: fx.deps.log,
  };
  const record = async () => (await states.read(ds.id))!.state;
  const spaceId = (await record()).outputs.spaceId!;
  return { deps, ds, objects: fx.objects, spaceId, enqueued, record, advanceClock: (ms: number) => (nowMs += ms) };
}

/** The freeze job as it comes back after the final import pass (s3: the listing has walked the folder). */
const afterFinalPass = (ds: Parameters<typeof freezeJobFor>[0], key = 'k1'): ImportFreezeJob => ({ ...freezeJobFor(ds, key), scanStarted: true });

/** Runs a freeze job and the delayed jobs it queues for itself (the final scan's polls) until it settles. */
async function runFreeze(deps: ImportDeps, job: ImportFreezeJob, enqueued: { job: AnyImportJob }[]): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const outcome = await freezeDataset(deps, job);
    if (outcome !== 'waiting') return outcome;
    job = enqueued.at(-1)!.job as ImportFreezeJob;
    await sleep(10);
  }
  throw new Error('the freeze never settled');
}

const requestsSince = (from: number) => (local.sim.requests() as LogEntry[]).slice(from);
const supportPatches = (log: LogEntry[]) => log.filter((r) => r.method === 'PATCH' && /\/onepanel\/provider\/spaces\/[^/]+$/.test(r.path));
const shrinks = (log: LogEntry[]) => supportPatches(log).filter((r) => (r.body as { size?: number }).size !== undefined);
const supportSize = async (deps: ImportDeps, spaceId: string) => Object.values((await deps.onedata.panel.getSpaceSupport(spaceId)).supportingProviders)[0];

describe('freezeDataset: continuous scanning', () => {
  it('posix: once the final scan has ended, the freeze switches continuous scanning off and keeps the other import settings', async () => {
    // Guards freeze.ts `stopContinuousScan` (removed: the support keeps `continuousScan: true` and
    // a next scan planned, so the frozen dataset is rescanned every scanInterval).
    const { deps, ds, spaceId, enqueued } = await frozenCandidate(POSIX);
    const before = (await deps.onedata.panel.getSpaceSupport(spaceId)).storageImport?.autoStorageImportConfig;
    expect(before?.continuousScan).toBe(true);
    const from = local.sim.requests().length;

    expect(await runFreeze(deps, freezeJobFor(ds, 'k1'), enqueued)).toBe('frozen');

    const after = (await deps.onedata.panel.getSpaceSupport(spaceId)).storageImport?.autoStorageImportConfig;
    expect(after).toEqual({ ...before, continuousScan: false });
    expect((await deps.onedata.panel.getImportInfo(spaceId)).nextScan).toBeUndefined();
    // As fs2od: only after the final scan has ended (its status read as finished).
    const log = requestsSince(from);
    const forceStart = log.findIndex((r) => r.method === 'POST' && r.path.endsWith('/storage-import/auto/force-start'));
    const switchOff = log.findIndex(
      (r) => (r.body as { autoStorageImportConfig?: { continuousScan?: boolean } } | null)?.autoStorageImportConfig?.continuousScan === false,
    );
    expect(forceStart).toBeGreaterThanOrEqual(0);
    expect(switchOff).toBeGreaterThan(forceStart);
    expect(log.slice(forceStart, switchOff).some((r) => r.method === 'GET' && r.path.endsWith('/storage-import/auto/info'))).toBe(true);
  });

  it('s3: the freeze sends no import setting (the support imports manually)', async () => {
    // Guards "s3 mode unaffected": `stopContinuousScan` only touches a support that scans
    // continuously (made unconditional, an s3 freeze sends an import setting too).
    const { deps, ds, enqueued } = await frozenCandidate();
    const from = local.sim.requests().length;
    expect(await runFreeze(deps, afterFinalPass(ds), enqueued)).toBe('frozen');
    expect(supportPatches(requestsSince(from)).map((r) => Object.keys(r.body as object))).toEqual([['size']]);
  });
});

describe('freezeDataset: interrupted and repeated freezes', () => {
  it('a freeze interrupted by an Onedata outage is finished by the redelivered job', async () => {
    // Guards: a freeze is done only when `frozenAt` is recorded for its key (freeze.ts
    // `isFrozenFor`). With the claim alone as "done" (`frozenFor`, written before acting: the old
    // code, or the entry check mutated back to it) the redelivered job stopped as `done-before`:
    // no shrink, no metadata refresh, never `frozenAt`.
    const { deps, ds, spaceId, enqueued, record } = await frozenCandidate();
    local.sim.configure({ faultRate: 1 });
    await expect(freezeDataset(deps, afterFinalPass(ds))).rejects.toThrow();
    expect((await record()).import.frozenAt).toBeUndefined();

    local.sim.configure({ faultRate: 0 });
    expect(await runFreeze(deps, afterFinalPass(ds), enqueued)).toBe('frozen');
    const rec = await record();
    expect(rec.import).toMatchObject({ frozenFor: 'k1', frozenSize: MIN_SUPPORT_SIZE, growing: false });
    expect(rec.import.frozenAt).toBeDefined();
    expect(rec.lease).toBeUndefined();
    expect(await supportSize(deps, spaceId)).toBe(MIN_SUPPORT_SIZE);
  });

  it('a freeze that failed after its shrink resumes without shrinking again; a later duplicate does nothing', async () => {
    // Guards freeze.ts `shrinkSupport`'s recorded progress (`frozenSize` of the claimed key;
    // ignored, the resumed job sends the shrink a second time) and the `done-before` exit.
    const { deps, ds, enqueued, record } = await frozenCandidate();
    const from = local.sim.requests().length;
    // The share's description is refreshed after the shrink: its answer is lost once.
    local.sim.configure({ dropAnswers: [{ method: 'PATCH', path: '/api/v3/oneprovider/shares/[^/]+' }] });
    await expect(freezeDataset(deps, afterFinalPass(ds))).rejects.toThrow();
    expect((await record()).import.frozenAt).toBeUndefined();

    expect(await runFreeze(deps, afterFinalPass(ds), enqueued)).toBe('frozen');
    expect(shrinks(requestsSince(from))).toHaveLength(1);

    const done = local.sim.requests().length;
    expect(await freezeDataset(deps, afterFinalPass(ds))).toBe('done-before');
    expect(local.sim.requests().length).toBe(done);
  });

  it('two deliveries at once: one freezes, the other steps back behind the lease and then finds the freeze done', async () => {
    // Guards the dataset lease around the freeze's actions (freeze.ts `claimFreeze`; with a lease
    // that lasts 0 ms the second delivery resumes the claimed freeze too and shrinks a second time).
    const { deps, ds, enqueued } = await frozenCandidate();
    const from = local.sim.requests().length;
    // The first delivery is held inside its actions (it has claimed the freeze) while the second runs.
    const getSpaceSupport = deps.onedata.panel.getSpaceSupport.bind(deps.onedata.panel);
    let entered!: () => void;
    let go!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const gate = new Promise<void>((r) => (go = r));
    let calls = 0;
    deps.onedata.panel.getSpaceSupport = async (id) => {
      if (calls++ === 0) {
        entered();
        await gate;
      }
      return getSpaceSupport(id);
    };
    const first = freezeDataset(deps, afterFinalPass(ds));
    await inside;
    expect(await freezeDataset(deps, afterFinalPass(ds))).toBe('busy');
    go();
    expect(await first).toBe('frozen');
    expect(shrinks(requestsSince(from))).toHaveLength(1);
    const stepBack = enqueued.at(-1)!;
    expect(stepBack.job).toMatchObject({ type: 'import-freeze', freezeKey: 'k1', scanStarted: true });
    expect(stepBack.delaySeconds).toBeGreaterThanOrEqual(1);
    expect(await freezeDataset(deps, stepBack.job as ImportFreezeJob)).toBe('done-before');
  });

  it('a worker that died in the middle of a freeze: its lease runs out, the next delivery finishes the freeze, shrinking once', async () => {
    // Guards the lease's expiry (with a lease that never runs out, the dead worker's freeze is
    // never finished) together with the recorded progress (ignored: a second shrink).
    const { deps, ds, objects, enqueued, record, advanceClock } = await frozenCandidate();
    const recordKey = `.s3od/state/${ds.id}.json`;
    const from = local.sim.requests().length;
    // The worker dies once the share is refreshed: no record write of it lands after that.
    const updateShare = deps.onedata.provider.updateShare.bind(deps.onedata.provider);
    let dead = false;
    deps.onedata.provider.updateShare = async (...args) => {
      await updateShare(...args);
      dead = true;
    };
    objects.beforePut = (key) => {
      if (key === recordKey && dead) throw new Error('worker died');
    };
    await expect(freezeDataset(deps, afterFinalPass(ds))).rejects.toThrow('worker died');
    objects.beforePut = undefined;
    expect((await record()).lease).toBeDefined();

    expect(await freezeDataset(deps, afterFinalPass(ds))).toBe('busy');
    advanceClock(deps.config.provisioning.leaseSeconds * 1000 + 1);
    expect(await runFreeze(deps, enqueued.at(-1)!.job as ImportFreezeJob, enqueued)).toBe('frozen');
    expect((await record()).import.frozenAt).toBeDefined();
    expect(shrinks(requestsSince(from))).toHaveLength(1);
  });
});

describe('thawDataset: the marker created again after a freeze', () => {
  it('posix: the marker created again (an import job) gives the support its full size and its continuous scanning back', async () => {
    // Guards freeze.ts `thawRequest`'s continuous-scan part and its call in process.ts for a
    // created marker (either removed, a dataset that grows again after a freeze is never
    // rescanned on its own, only by the coalesced scans of its events).
    const { deps, ds, objects, spaceId, enqueued } = await frozenCandidate(POSIX);
    const supported = (await deps.onedata.panel.getSpaceSupport(spaceId)).storageImport?.autoStorageImportConfig;
    expect(await runFreeze(deps, freezeJobFor(ds, 'k1'), enqueued)).toBe('frozen');
    expect((await deps.onedata.panel.getSpaceSupport(spaceId)).storageImport?.autoStorageImportConfig?.continuousScan).toBe(false);

    const marker: ImportJob = {
      type: 'import',
      dataset: ds,
      role: 'running-marker',
      change: 'created',
      key: `${ds.prefix}/.running`,
      relPath: '.running',
      eventTime: new Date().toISOString(),
      dedupKey: `${ds.id}:.running:created`,
      correlationId: 'c',
    };
    objects.seed(marker.key, ''); // the acquisition software writes the marker again
    expect(await processImportJobs([marker], deps)).toEqual([expect.objectContaining({ ok: true, outcome: 'growing' })]);
    const support = await deps.onedata.panel.getSpaceSupport(spaceId);
    expect(support.storageImport?.autoStorageImportConfig).toEqual(supported);
    expect(Object.values(support.supportingProviders)).toEqual([deps.config.implicitSpaceSize]);
    expect((await deps.onedata.panel.getImportInfo(spaceId)).nextScan).toBeDefined();
  });

  it('s3: only the size comes back; a dataset never frozen is left alone', async () => {
    // Guards "s3 mode unaffected" (no import settings for a manual-import support) and
    // thawDataset's `frozenFor` condition (removed, a dataset never frozen is resized too).
    const { deps, ds, enqueued, record } = await frozenCandidate();
    const from = local.sim.requests().length;
    expect(await thawDataset(deps, await record())).toBe('not-frozen');
    expect(requestsSince(from)).toEqual([]);

    expect(await runFreeze(deps, afterFinalPass(ds), enqueued)).toBe('frozen');
    const thawFrom = local.sim.requests().length;
    expect(await thawDataset(deps, await record())).toBe('thawed');
    expect(supportPatches(requestsSince(thawFrom)).map((r) => r.body)).toEqual([{ size: deps.config.implicitSpaceSize }]);
  });
});

describe('freezeDataset: what the freeze finds when it acts', () => {
  it('a marker back while the final scan ran: the freeze gives way (no shrink, scanning stays on)', async () => {
    // Guards the `growing` checks in freezeDataset (removed: the freeze shrinks a dataset that grows
    // again to its occupied size and switches its scanning off, with the marker present).
    const { deps, ds, spaceId, enqueued } = await frozenCandidate(POSIX);
    const sizeBefore = await supportSize(deps, spaceId);
    expect(await freezeDataset(deps, freezeJobFor(ds, 'k1'))).toBe('waiting');
    await deps.states.update(ds, (s) => {
      s.import.growing = true;
    });
    const from = local.sim.requests().length;
    expect(await runFreeze(deps, enqueued.at(-1)!.job as ImportFreezeJob, enqueued)).toBe('superseded');
    expect(supportPatches(requestsSince(from))).toEqual([]);
    expect(await supportSize(deps, spaceId)).toBe(sizeBefore);
    expect((await deps.onedata.panel.getSpaceSupport(spaceId)).storageImport?.autoStorageImportConfig?.continuousScan).toBe(true);
  });

  it('a file our section took past the byte limit is read with that allowance, and the freeze completes', async () => {
    // Guards withSectionAllowance in publishFinalMetadata (removed: ObjectTooLargeError after the
    // shrink, on every redelivery; the freeze never records frozenAt).
    const { deps, ds, enqueued, record } = await frozenCandidate('limits: { metadataMaxBytes: 1024 }\n', `Sample:\n  Notes: ${'x'.repeat(900)}\n`);
    expect((await deps.objects.get(`${ds.prefix}/SPA.yml`))!.body.length).toBeGreaterThan(1024);
    expect(await runFreeze(deps, afterFinalPass(ds), enqueued)).toBe('frozen');
    expect((await record()).import.frozenAt).toBeDefined();
  });

  it('a share described before its own file id was recorded keeps a download command through the freeze', async () => {
    // Guards the share lookup in publishFinalMetadata (removed: the freeze rewrites such a share's
    // description with no file id, and its download command disappears).
    const { deps, ds, enqueued, record } = await frozenCandidate();
    const vs = (await deps.states.read(ds.id))!;
    delete vs.state.outputs.shareFileId;
    await deps.states.save(vs);
    expect(await runFreeze(deps, afterFinalPass(ds), enqueued)).toBe('frozen');
    const o = (await record()).outputs;
    const share = await deps.onedata.provider.getShare(o.shareId!);
    expect(o.shareFileId).toBe(share.rootFileId);
    expect(share.description).toContain(`download.py --onezone ${local.sim.url} ${share.rootFileId}`);
  });
});
