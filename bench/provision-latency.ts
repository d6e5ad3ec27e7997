/**
 * Figure 1 — provisioning latency: metadata PUT → access information written back, per dataset,
 * through the real path (Ceph RGW notification → on-object-event → provision queue → provision
 * function → Onedata simulator → write-back to RGW). Baseline: the critical path of dependent
 * calls, 6·L + P, verified against the simulator's request log.
 *
 * Also: the same saga with its steps run strictly one after another in fs2od's order (no sleeps),
 * against the production dependency graph, both run in this process by the same saga runner.
 */
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { datasetRef } from '../shared/dataset/ref.ts';
import { PROVISIONING_STEPS, type StepDef } from '../shared/provisioning/steps.ts';
import type { FunctionDef } from '../infra/local/runner/serverless-file.ts';
import { load1, type BenchContext, type Figure } from './lib/context.ts';
import { putObject, runSagaDirect, SAMPLE_METADATA, uniqueName, unwatchedDataset } from './lib/datasets.ts';
import { recordInvocations } from './lib/invocations.ts';
import { chainLabels, criticalChain, isProviderPoll, isRegistration, isShareGet, isSupport } from './lib/sim-log.ts';
import { median, p95, round } from './lib/stats.ts';

/** fs2od's creation pipeline order (reference notes §3.2), mapped onto s3od's steps. */
export const FS2OD_ORDER = [
  'create-space',
  'create-storage',
  'support-space',
  'create-group',
  'create-invite-token',
  'add-group-to-space',
  'wait-for-provider',
  'create-share',
  'publish-metadata',
  'write-back',
  'start-import',
  // fs2od supported the space on the secondary providers, then added the QoS requirement.
  'support-replicas',
  'add-qos-requirement',
];
/** fs2od's fixed waits per dataset without replication: ≈ 21 × sleepFactor seconds (default 2). */
export const FS2OD_SLEEP_UNITS = 21;
export const FS2OD_DEFAULT_SLEEP_FACTOR = 2;

/** The production steps, each needing the one before it (the production list is not changed). */
export function sequentialSteps(): StepDef[] {
  const byName = new Map(PROVISIONING_STEPS.map((s) => [s.name, s]));
  const missing = PROVISIONING_STEPS.filter((s) => !FS2OD_ORDER.includes(s.name)).map((s) => s.name);
  if (missing.length || FS2OD_ORDER.some((n) => !byName.has(n))) throw new Error(`FS2OD_ORDER is out of date with PROVISIONING_STEPS (${missing.join(', ')})`);
  return FS2OD_ORDER.map((name, i) => ({ ...byName.get(name)!, needs: i === 0 ? [] : [FS2OD_ORDER[i - 1]!] }));
}

interface Sample {
  totalMs: number;
  putMs: number;
  /** PUT start → the provision function is invoked with the job (notification, on-object-event, queue). */
  ingestMs: number;
  /** provision invoked → first Onedata call (record reads/writes: lease, "run started", metadata read). */
  preSagaMs: number;
  /** first Onedata call → support done (create space, support token, support: 3 L). */
  toSupportMs: number;
  /** support done → the provider answers with the space (P plus polling granularity). */
  providerSeesSpaceMs: number;
  /** the moment the support became visible at the provider → the poll that saw it. */
  pollSlackMs: number;
  /** provider saw the space → share read back (create share, get share: 2 L). */
  toShareMs: number;
  /** share read back → access information written (record save, S3 GET + conditional PUT). */
  writeBackMs: number;
  onedataCalls: number;
  polls: number;
  chainCalls: number;
  chainOverheadMs: number;
  chain: string[];
  /** S3 requests of the functions between the provision invocation and the first Onedata call. */
  s3BeforeSaga: number;
  /** Record writes (conditional PUTs of .s3od/state/…) per dataset, and their durations. */
  stateWrites: number;
  stateWriteMs: number[];
  stateReadMs: number[];
  /** on-object-event invocations while this dataset was provisioned (RGW notifies every PUT). */
  notifications: number;
  notificationMs: number[];
}

async function oneDataset(ctx: BenchContext, warm: boolean): Promise<Sample | undefined> {
  const { stack, s3, info, logs } = ctx;
  await stack.sim.reset();
  await ctx.waitIdle(60_000, { countInvisible: false });
  const name = uniqueName(warm ? 'BenchWarm' : 'BenchLat');
  const ds = datasetRef(info.bucket, 'datasets', name);
  // Two data files first, as an instrument writes them; their events are processed before the clock starts.
  for (let i = 0; i < 2; i++) await putObject(s3, info.bucket, `${ds.prefix}/Movies/movie_${i}.tiff`, Buffer.alloc(100 + i, i));
  await ctx.waitIdle(60_000, { countInvisible: false });
  let provisionInvokedAt: number | undefined;
  stack.host.beforeInvoke = (fn: FunctionDef, event: unknown) => {
    if (provisionInvokedAt === undefined && fn.name === 'provision' && JSON.stringify(event).includes(name)) provisionInvokedAt = Date.now();
  };
  const inv = recordInvocations(stack.host);
  ctx.aws.ops = [];
  ctx.aws.recording = true;
  let t0 = 0;
  let tPut: number;
  let tWb = 0;
  try {
    t0 = Date.now();
    await putObject(s3, info.bucket, `${ds.prefix}/SPA.yml`, SAMPLE_METADATA);
    tPut = Date.now();
    await logs.waitFor(() => logs.writeBacks.has(ds.prefix), 60_000, `write-back of ${ds.prefix}`);
    tWb = logs.writeBacks.get(ds.prefix)!;
    await logs.waitFor(() => logs.provisioned.has(ds.prefix), 60_000, `${ds.prefix} provisioned`);
    await ctx.waitIdle(60_000, { countInvisible: false });
  } finally {
    ctx.aws.recording = false;
    inv.restore();
    stack.host.beforeInvoke = undefined;
  }
  if (warm) return undefined;

  const entries = (await stack.sim.requests()).filter((e) => e.startedAt >= t0);
  const prov = entries.filter((e) => !isRegistration(e));
  const support = prov.find(isSupport);
  const seen = prov.find((e) => isProviderPoll(e) && e.status === 200);
  const shareGet = prov.find(isShareGet);
  if (!support || !seen || !shareGet || provisionInvokedAt === undefined) throw new Error(`${ds.prefix}: incomplete request log`);
  const state = (await stack.sim.state()) as { supports: { visibleAtMs: number }[] };
  const visibleAt = state.supports[0]?.visibleAtMs ?? support.endedAt! + ctx.P;
  const first = prov[0]!;
  const chain = criticalChain(
    prov.filter((e) => e.endedAt! <= tWb),
    tWb,
  );
  const stateKey = `.s3od/state/${ds.id}.json`;
  const ops = ctx.aws.ops.filter((o) => o.client === 's3' && o.start <= tWb);
  const notif = inv.records.filter((r) => r.fn === 'on-object-event' && r.start <= tWb);
  if (process.env.BENCH_TIMELINE) {
    const rows: [number, string][] = [
      [provisionInvokedAt, 'provision invoked'],
      ...ops.map((o) => [o.start - t0, `s3 ${o.cmd} ${o.key ?? ''} (${o.end - o.start} ms)`] as [number, string]),
      ...entries.map((e) => [e.startedAt - t0, `onedata ${e.method} ${e.path.slice(0, 60)} ${e.status} (${e.endedAt! - e.startedAt} ms)`] as [number, string]),
      ...inv.records.map((r) => [r.start - t0, `invoke ${r.fn} (${r.durationMs} ms)`] as [number, string]),
    ];
    rows[0]![0] -= t0;
    rows.sort((a, b) => a[0] - b[0]);
    for (const [t, what] of rows) ctx.progress(`    +${t} ${what}`);
  }
  return {
    totalMs: tWb - t0,
    putMs: tPut - t0,
    ingestMs: provisionInvokedAt - t0,
    preSagaMs: first.startedAt - provisionInvokedAt,
    toSupportMs: support.endedAt! - first.startedAt,
    providerSeesSpaceMs: seen.endedAt! - support.endedAt!,
    pollSlackMs: seen.endedAt! - visibleAt,
    toShareMs: shareGet.endedAt! - seen.endedAt!,
    writeBackMs: tWb - shareGet.endedAt!,
    onedataCalls: prov.length,
    polls: prov.filter(isProviderPoll).length,
    chainCalls: chain.calls,
    chainOverheadMs: chain.overheadMs,
    chain: chainLabels(prov, chain.chain),
    s3BeforeSaga: ops.filter((o) => o.start >= provisionInvokedAt! && o.end <= first.startedAt).length,
    stateWrites: ops.filter((o) => o.key === stateKey && o.cmd === 'PutObject').length,
    stateWriteMs: ops.filter((o) => o.key === stateKey && o.cmd === 'PutObject').map((o) => o.end - o.start),
    stateReadMs: ops.filter((o) => o.key === stateKey && o.cmd === 'GetObject').map((o) => o.end - o.start),
    notifications: notif.length,
    notificationMs: notif.map((r) => r.durationMs),
  };
}

interface SagaComparison {
  sequential: number;
  concurrent: number;
  sequentialP95: number;
  concurrentP95: number;
  sagaEnd: { sequential: number; concurrent: number };
  calls: { sequential: number; concurrent: number };
}

async function compareSagas(ctx: BenchContext, runs: number): Promise<SagaComparison> {
  const seq = sequentialSteps();
  const toWb = { sequential: [] as number[], concurrent: [] as number[] };
  const end = { sequential: [] as number[], concurrent: [] as number[] };
  const calls = { sequential: [] as number[], concurrent: [] as number[] };
  for (let i = 0; i < runs * 2; i++) {
    // Alternate, so drifting machine load hits both variants alike.
    const kind = i % 2 === 1 ? 'sequential' : 'concurrent';
    await ctx.stack.sim.reset();
    await ctx.waitIdle(60_000, { countInvisible: false });
    const ds = unwatchedDataset(ctx.info.bucket, uniqueName(kind === 'sequential' ? 'BenchSeq' : 'BenchPar'));
    await putObject(ctx.s3, ctx.info.bucket, `${ds.prefix}/SPA.yml`, SAMPLE_METADATA);
    const r = await runSagaDirect(ds, kind === 'sequential' ? seq : PROVISIONING_STEPS, () => ctx.logs.writeBacks.get(ds.prefix));
    toWb[kind].push(r.toWriteBackMs);
    end[kind].push(r.sagaMs);
    calls[kind].push((await ctx.stack.sim.requests()).filter((e) => !isRegistration(e)).length);
    await ctx.waitIdle(60_000, { countInvisible: false });
  }
  return {
    sequential: median(toWb.sequential),
    concurrent: median(toWb.concurrent),
    sequentialP95: p95(toWb.sequential),
    concurrentP95: p95(toWb.concurrent),
    sagaEnd: { sequential: round(median(end.sequential)), concurrent: round(median(end.concurrent)) },
    calls: { sequential: median(calls.sequential), concurrent: median(calls.concurrent) },
  };
}

const med = (xs: Sample[], k: keyof Sample): number => round(median(xs.map((x) => x[k] as number)));

/**
 * Small requests against the local Ceph RGW, timed the way the functions make them:
 * - a GET, headers only and with the body read (ObjectStore reads the body): a large difference is
 *   the TCP stall (Nagle on RGW's side, delayed ACK on ours) every record and metadata read pays;
 * - a PUT into the facility bucket (RGW notifies on-object-event synchronously before answering:
 *   non-persistent topic) and into a bucket without notifications: the difference is what each
 *   record write pays for the notification of s3od's own object.
 */
async function rgwProbe(ctx: BenchContext): Promise<Record<string, number>> {
  const { s3, info } = ctx;
  const key = `.s3od/bench-probe-${process.pid}.json`;
  const quietBucket = `bench-quiet-${process.pid}`;
  const body = JSON.stringify({ probe: 'x'.repeat(1500) });
  await s3.send(new CreateBucketCommand({ Bucket: quietBucket }));
  const headers: number[] = [];
  const whole: number[] = [];
  const putNotified: number[] = [];
  const putQuiet: number[] = [];
  try {
    for (let i = 0; i < 10; i++) {
      let t = performance.now();
      await putObject(s3, info.bucket, key, body);
      putNotified.push(performance.now() - t);
      t = performance.now();
      await putObject(s3, quietBucket, key, body);
      putQuiet.push(performance.now() - t);
      t = performance.now();
      const res = await s3.send(new GetObjectCommand({ Bucket: info.bucket, Key: key }));
      headers.push(performance.now() - t);
      await res.Body!.transformToByteArray();
      whole.push(performance.now() - t);
    }
  } finally {
    await s3.send(new DeleteObjectCommand({ Bucket: info.bucket, Key: key })).catch(() => undefined);
    await s3.send(new DeleteObjectCommand({ Bucket: quietBucket, Key: key })).catch(() => undefined);
    await s3.send(new DeleteBucketCommand({ Bucket: quietBucket })).catch(() => undefined);
  }
  const m = (xs: number[]): number => round(median(xs), 1);
  return { getHeadersMs: m(headers), getWithBodyMs: m(whole), putNotifiedMs: m(putNotified), putWithoutNotificationMs: m(putQuiet) };
}

export async function provisionLatency(ctx: BenchContext): Promise<Figure[]> {
  const n = ctx.opts.quick ? 5 : 10;
  const nSaga = ctx.opts.quick ? 3 : 5;
  const { L, P } = ctx;
  const baseline = 6 * L + P;
  const loadStart = load1();

  ctx.progress(`provision-latency: 1 warm-up dataset, then ${n} datasets one after another (L=${L} ms, P=${P} ms)`);
  await oneDataset(ctx, true);
  const rgw = await rgwProbe(ctx);
  const samples: Sample[] = [];
  for (let i = 0; i < n; i++) {
    const s = (await oneDataset(ctx, false))!;
    ctx.progress(
      `  dataset ${i + 1}/${n}: ${s.totalMs} ms (ingest ${s.ingestMs}, pre-saga ${s.preSagaMs}, provider wait ${s.providerSeesSpaceMs}, write-back ${s.writeBackMs})`,
    );
    samples.push(s);
  }
  const totals = samples.map((s) => s.totalMs);
  const chainCalls = median(samples.map((s) => s.chainCalls));
  const latency: Figure = {
    name: 'provision-latency',
    value: round(median(totals)),
    unit: 'ms',
    baseline,
    ratio: round(median(totals) / baseline, 2),
    // The critical path 6·L + P cannot be beaten: each of its calls needs the answer of the one before.
    better: 'lower',
    target: '≤ 1.15',
    p95: round(p95(totals)),
    min: Math.min(...totals),
    max: Math.max(...totals),
    datasets: n,
    L,
    P,
    // Verification of the baseline from the request log: Onedata calls on the longest dependent chain
    // (the write-back to S3 is the 6th dependent call), and the measured "provider sees space".
    criticalPathOnedataCalls: chainCalls,
    criticalPathCallsWithWriteBack: chainCalls + 1,
    criticalPath: samples[0]!.chain,
    onedataCallsPerDataset: median(samples.map((s) => s.onedataCalls)),
    providerPollsPerDataset: median(samples.map((s) => s.polls)),
    providerSeesSpaceMs: med(samples, 'providerSeesSpaceMs'),
    breakdownMedianMs: {
      putMs: med(samples, 'putMs'),
      ingestMs: med(samples, 'ingestMs'),
      preSagaMs: med(samples, 'preSagaMs'),
      toSupportMs: med(samples, 'toSupportMs'),
      providerSeesSpaceMs: med(samples, 'providerSeesSpaceMs'),
      pollSlackMs: med(samples, 'pollSlackMs'),
      toShareMs: med(samples, 'toShareMs'),
      writeBackMs: med(samples, 'writeBackMs'),
    },
    // With perfect polling the space is seen one call (L) after it becomes visible: floor 7·L + P.
    idealMs: { toSupport: 3 * L, providerSeesSpace: P + L, toShare: 2 * L, writeBack: L },
    chainOverheadMedianMs: med(samples, 'chainOverheadMs'),
    // Where the time between dependent calls goes: the dataset record is written (RGW conditional
    // PUT) after every step, before the steps that need it start; RGW notifies on-object-event of
    // each write synchronously (non-persistent topic) before it answers the PUT.
    s3RequestsBeforeFirstOnedataCall: median(samples.map((s) => s.s3BeforeSaga)),
    recordWritesPerDataset: median(samples.map((s) => s.stateWrites)),
    recordWriteMedianMs: round(median(samples.flatMap((s) => s.stateWriteMs)), 1),
    recordReadMedianMs: round(median(samples.flatMap((s) => s.stateReadMs)), 1),
    notificationsPerDataset: median(samples.map((s) => s.notifications)),
    notificationMedianMs: round(median(samples.flatMap((s) => s.notificationMs)), 1),
    rgwSmallRequestMs: rgw,
    load1: [loadStart, load1()],
  };

  // Saga only, production graph vs strictly sequential (fs2od's order), same runner, same process;
  // at the configured P, and again at P = 0 where the calls alone make the critical path.
  ctx.progress(`provision-sequential: ${nSaga} sagas with the production graph, ${nSaga} with every step after the previous one (P=${P} ms, then P=0)`);
  const atP = await compareSagas(ctx, nSaga);
  await ctx.stack.sim.configure({ propagationDelayMs: 0 });
  let atP0: SagaComparison;
  try {
    atP0 = await compareSagas(ctx, nSaga);
  } finally {
    await ctx.stack.sim.configure({ propagationDelayMs: P });
  }
  const sleepS = FS2OD_SLEEP_UNITS * FS2OD_DEFAULT_SLEEP_FACTOR;
  const sequential: Figure = {
    name: 'provision-sequential',
    value: round(atP.sequential),
    unit: 'ms',
    baseline: round(atP.concurrent),
    ratio: round(atP.sequential / atP.concurrent, 2),
    // Not a bound: what the dependency graph saves over running the steps in order (more is better).
    better: 'higher',
    meaning:
      'saga start → write-back with every step after the previous one (fs2od order, no sleeps); baseline: the production dependency graph, same in-process runner',
    p95: round(atP.sequentialP95),
    baselineP95: round(atP.concurrentP95),
    sagaEndMs: atP.sagaEnd,
    onedataCalls: atP.calls,
    atP0: {
      sequential: round(atP0.sequential),
      concurrent: round(atP0.concurrent),
      ratio: round(atP0.sequential / atP0.concurrent, 2),
      onedataCalls: atP0.calls,
    },
    order: FS2OD_ORDER,
    runs: nSaga,
    // Computed reference, not a measurement: fs2od's fixed sleeps alone (reference notes §3.2).
    fs2odSleepsMs: sleepS * 1000,
    fs2odSleepsNote: `computed: ${FS2OD_SLEEP_UNITS} × sleepFactor (${FS2OD_DEFAULT_SLEEP_FACTOR}) s, on top of its sequential calls`,
    fs2odEstimateMs: round(atP.sequential + sleepS * 1000),
    load1: load1(),
  };
  return [latency, sequential];
}
