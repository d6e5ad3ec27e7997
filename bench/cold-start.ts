/**
 * Figure 5 — cold start and size, per function. Each handler is bundled the way
 * serverless-esbuild packages it (the options of serverless.yml's custom.esbuild: esm, node,
 * target node20, mainFields module/main, the createRequire banner, SDK bundled, minify, …), then:
 * - cold start: the wall time of a fresh `node` process that imports the bundle (spawn → exit),
 *   median; baseline: the wall time of the same fresh process importing an empty module (same
 *   run, interleaved). Both are whole processes, so the difference (`overheadMs`) is what the
 *   bundle costs; `importMs` (the `await import()` inside the process) is reported beside it;
 * - artifact size: the bytes a cold start parses (the handler's file and the chunks it imports
 *   statically), the chunks loaded only on demand (`splitting`), and the deflate size of all;
 * - peak RSS of one invocation: a fresh process imports the bundle and invokes the handler with a
 *   sample event against the running local stack; its VmHWM (peak resident set).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { load as loadYaml } from 'js-yaml';
import { PROJECT_ROOT } from '../infra/local/stack.ts';
import { datasetRef } from '../shared/dataset/ref.ts';
import type { ProvisionJob } from '../shared/queue/jobs.ts';
import { normalizeNotification } from '../shared/events/normalize.ts';
import { routeEvents } from '../shared/events/route.ts';
import { getRuntime } from '../shared/runtime/index.ts';
import { httpEvent } from './fan-in.ts';
import { load1, type BenchContext, type Figure } from './lib/context.ts';
import { putObject, SAMPLE_METADATA, uniqueName, unwatchedDataset } from './lib/datasets.ts';
import { median, round } from './lib/stats.ts';

/** Target: a fresh process with the bundle at most this much slower than one with an empty module. */
export const OVERHEAD_TARGET_MS = 100;
export const RSS_TARGET_MB = 256;

/**
 * Runs in the child (plain node, no tsx): import, optionally invoke, report. Peak RSS is the
 * process image's high-water mark (VmHWM of /proc/self/status): on Linux, getrusage's maxRSS of
 * a spawned child also counts the parent's resident pages at fork time.
 */
const LOADER = `
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const peakKB = () => {
  try {
    const m = /VmHWM:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {}
  return process.resourceUsage().maxRSS;
};
const t0 = performance.now();
const mod = await import(pathToFileURL(process.argv[2]).href);
const importMs = performance.now() - t0;
const rssAfterImportKB = peakKB();
let invoke = null;
if (process.argv[3]) {
  const event = JSON.parse(readFileSync(process.argv[3], 'utf8'));
  const deadline = Date.now() + 60000;
  const context = { functionName: 'bench', functionVersion: '$LATEST', invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:bench', memoryLimitInMB: '256', awsRequestId: 'bench', logGroupName: 'bench', logStreamName: 'bench', callbackWaitsForEmptyEventLoop: false, getRemainingTimeInMillis: () => deadline - Date.now() };
  const s = performance.now();
  let ok = true, result;
  try { result = await mod.handler(event, context); } catch (e) { ok = false; result = String(e); }
  invoke = { ms: performance.now() - s, ok, result };
}
process.stdout.write('\\nBENCH_RESULT ' + JSON.stringify({ importMs, rssAfterImportKB, maxRssKB: peakKB(), invoke }) + '\\n');
process.exit(0);
`;

/**
 * serverless-esbuild's options as serverless.yml's `custom.esbuild` sets them (read from the file,
 * so the benchmark follows the packaging), limited to what esbuild itself takes. The block is cut
 * out of the file and parsed alone: the rest of serverless.yml holds CloudFormation tags.
 */
function esbuildOptions(): { opts: BuildOptions; source: string } {
  const fallback: BuildOptions = {
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    mainFields: ['module', 'main'],
    sourcemap: 'linked',
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
  };
  const lines = readFileSync(join(PROJECT_ROOT, 'serverless.yml'), 'utf8').split('\n');
  const customAt = lines.findIndex((l) => /^custom:\s*$/.test(l));
  const at = customAt < 0 ? -1 : lines.findIndex((l, i) => i > customAt && /^ {2}esbuild:\s*$/.test(l));
  if (at < 0) return { opts: fallback, source: 'defaults (no custom.esbuild in serverless.yml)' };
  const block: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (l.trim() && !l.startsWith('    ')) break;
    block.push(l.slice(4));
  }
  const c = (loadYaml(block.join('\n')) ?? {}) as Record<string, unknown>;
  const pick = [
    'bundle',
    'format',
    'platform',
    'target',
    'minify',
    'keepNames',
    'sourcemap',
    'sourcesContent',
    'mainFields',
    'banner',
    'external',
    'treeShaking',
    'alias',
    'splitting',
    'chunkNames',
  ];
  const opts: BuildOptions = { ...fallback };
  for (const k of pick) if (c[k] !== undefined) (opts as Record<string, unknown>)[k] = c[k];
  // serverless-esbuild require()s `plugins: <file>` (relative to the service) for an array of plugins.
  if (typeof c['plugins'] === 'string')
    opts.plugins = createRequire(join(PROJECT_ROOT, 'serverless.yml'))(join(PROJECT_ROOT, c['plugins'])) as BuildOptions['plugins'];
  return { opts, source: 'serverless.yml custom.esbuild' };
}

interface ChildResult {
  wallMs: number;
  importMs: number;
  rssAfterImportKB: number;
  maxRssKB: number;
  invoke: { ms: number; ok: boolean; result: unknown } | null;
}

const children = new Set<number>();
/** Kills the children still running (SIGINT of the benchmark), by pid. */
export function killChildren(): void {
  for (const pid of children) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

function runChild(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid) children.add(child.pid);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - t0;
      clearTimeout(timer);
      if (child.pid) children.delete(child.pid);
      const line = out
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('BENCH_RESULT '));
      if (code !== 0 || !line) return reject(new Error(`child exited ${code}: ${err.slice(-2000)}${out.slice(-1000)}`));
      resolve({ wallMs, ...(JSON.parse(line.slice('BENCH_RESULT '.length)) as Omit<ChildResult, 'wallMs'>) });
    });
  });
}

/**
 * The functions' environment of the local stack (config, queues, endpoints, secrets), without the
 * parent's loader flags (tsx), and with NODE_OPTIONS as serverless.yml sets it for the deployed
 * functions (e.g. --enable-source-maps), unless `nodeOptions` is null.
 */
function childEnv(nodeOptions: string | null): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, S3OD_LOG_LEVEL: 'warn' };
  delete env.NODE_OPTIONS;
  if (nodeOptions) env.NODE_OPTIONS = nodeOptions;
  return env;
}

export async function coldStart(ctx: BenchContext): Promise<Figure[]> {
  const reps = ctx.opts.quick ? 3 : 7;
  const dir = mkdtempSync(join(tmpdir(), 's3od-bench-'));
  try {
    const loader = join(dir, 'loader.mjs');
    const empty = join(dir, 'empty.mjs');
    writeFileSync(loader, LOADER);
    writeFileSync(empty, 'export {};\n');
    const fns = ctx.stack.host.functions;
    const { opts, source } = esbuildOptions();
    const bundles = new Map<string, BuiltBundle>();
    for (const fn of fns) {
      const outdir = join(dir, fn.name);
      mkdirSync(outdir);
      const t0 = performance.now();
      // As serverless-esbuild builds: one entry point into its own folder, `.mjs` as on AWS stages
      // (chunks too: the temporary folder has no package.json that would make `.js` ESM).
      const result = await build({
        ...opts,
        absWorkingDir: PROJECT_ROOT,
        entryPoints: [join(PROJECT_ROOT, `${fn.module}.ts`)],
        outdir,
        outExtension: { '.js': '.mjs' },
        metafile: true,
        logLevel: 'silent',
      });
      bundles.set(fn.name, { ...bundleSizes(result.metafile, join(outdir, 'handler.mjs')), buildMs: performance.now() - t0 });
    }
    const { plugins, ...shown } = opts;
    ctx.progress(`cold-start: esbuild options from ${source}: ${JSON.stringify({ ...shown, plugins: plugins?.map((p) => p.name) })}`);
    ctx.progress(
      `cold-start: bundled ${fns.map((f) => `${f.name} ${round(bundles.get(f.name)!.bytes / 1024)} KiB (+${round(bundles.get(f.name)!.lazyBytes / 1024)} KiB on demand)`).join(', ')}; ${reps} fresh processes each`,
    );

    const prodOptions =
      typeof ctx.stack.host.definition.environment.NODE_OPTIONS === 'string' ? (ctx.stack.host.definition.environment.NODE_OPTIONS as string) : null;
    const env = childEnv(prodOptions);
    const plainEnv = childEnv(null);
    const baselineWall: number[] = [];
    const baselineRss: number[] = [];
    const samples = new Map<string, ChildResult[]>(fns.map((f) => [f.name, []]));
    const plain = new Map<string, ChildResult[]>(fns.map((f) => [f.name, []]));
    for (let r = 0; r < reps; r++) {
      // Interleaved, so load drift hits every variant alike.
      const b = await runChild([loader, empty], env);
      baselineWall.push(b.wallMs);
      baselineRss.push(b.maxRssKB);
      for (const fn of fns) {
        samples.get(fn.name)!.push(await runChild([loader, bundles.get(fn.name)!.file], env));
        if (prodOptions) plain.get(fn.name)!.push(await runChild([loader, bundles.get(fn.name)!.file], plainEnv));
      }
    }

    // One invocation per function with a sample event against the running stack.
    const events = await sampleEvents(ctx);
    const invocations = new Map<string, ChildResult>();
    for (const fn of fns) {
      const ev = events[fn.name];
      if (!ev) continue;
      const file = join(dir, `${fn.name}.event.json`);
      writeFileSync(file, JSON.stringify(ev.event));
      invocations.set(fn.name, await runChild([loader, bundles.get(fn.name)!.file, file], env, 120_000));
      await ctx.waitIdle();
    }

    const baseMs = median(baselineWall);
    return fns.map((fn) => {
      const s = samples.get(fn.name)!;
      const b = bundles.get(fn.name)!;
      const inv = invocations.get(fn.name);
      const importMs = median(s.map((x) => x.importMs));
      const wallMs = median(s.map((x) => x.wallMs));
      // Per repetition (the runs are interleaved, so each pair saw the same load), then the median.
      const overheadMs = median(s.map((x, i) => x.wallMs - baselineWall[i]!));
      const result = inv?.invoke?.result as { batchItemFailures?: unknown[]; statusCode?: number } | undefined;
      return {
        name: `cold-start-${fn.name}`,
        value: round(wallMs, 1),
        unit: 'ms',
        baseline: round(baseMs, 1),
        ratio: round(wallMs / baseMs, 2),
        // A process that imports the bundle cannot exit sooner than one that imports nothing.
        better: 'lower',
        overheadMs: round(overheadMs, 1),
        meaning:
          'wall time of a fresh node process importing the bundle (spawn → exit, median); baseline: the same fresh process importing an empty module; overheadMs: the median of the paired differences',
        target: `overhead ≤ ${OVERHEAD_TARGET_MS} ms, peak RSS < ${RSS_TARGET_MB} MB`,
        overheadWithinTarget: overheadMs <= OVERHEAD_TARGET_MS,
        importMs: round(importMs, 1),
        nodeOptions: prodOptions,
        // The same import without serverless.yml's NODE_OPTIONS (e.g. without --enable-source-maps).
        initWithoutNodeOptionsMs: prodOptions ? round(median(plain.get(fn.name)!.map((x) => x.importMs)), 1) : null,
        bundleBytes: b.bytes,
        lazyChunkBytes: b.lazyBytes,
        zipBytes: b.zipBytes,
        sourcemapBytes: b.mapBytes,
        rssAfterImportMB: round(median(s.map((x) => x.rssAfterImportKB)) / 1024, 1),
        peakRssInvocationMB: inv ? round(inv.maxRssKB / 1024, 1) : null,
        rssWithinTarget: inv ? inv.maxRssKB / 1024 < RSS_TARGET_MB : null,
        baselineRssMB: round(median(baselineRss) / 1024, 1),
        invocation: inv?.invoke
          ? {
              event: events[fn.name]!.what,
              ms: round(inv.invoke.ms),
              ok: inv.invoke.ok && !result?.batchItemFailures?.length && (result?.statusCode ?? 202) < 300,
            }
          : null,
        reps,
        nodeVersion: process.version,
        load1: load1(),
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface BuiltBundle {
  /** The handler's file. */
  file: string;
  /** What a cold start parses: the handler's file and every chunk it imports statically. */
  bytes: number;
  /** Chunks only a dynamic import() loads (nodemailer, the SDK's SSO/STS credential providers). */
  lazyBytes: number;
  /** The deflate size of all the code (what the zip entries cost, source maps aside). */
  zipBytes: number;
  mapBytes: number;
  buildMs: number;
}

function bundleSizes(meta: Metafile, entry: string): Omit<BuiltBundle, 'buildMs'> {
  const outputs = new Map(Object.entries(meta.outputs).map(([p, o]) => [join(PROJECT_ROOT, p), o]));
  const eager = new Set<string>();
  const visit = (p: string) => {
    if (eager.has(p) || !outputs.has(p)) return;
    eager.add(p);
    for (const i of outputs.get(p)!.imports) if (i.kind === 'import-statement' && !i.external) visit(join(PROJECT_ROOT, i.path));
  };
  visit(entry);
  if (!eager.size) throw new Error(`cold-start: ${entry} is not among esbuild's outputs`);
  let bytes = 0;
  let lazyBytes = 0;
  let zipBytes = 0;
  let mapBytes = 0;
  for (const [p, o] of outputs) {
    if (p.endsWith('.map')) {
      mapBytes += o.bytes;
      continue;
    }
    if (eager.has(p)) bytes += o.bytes;
    else lazyBytes += o.bytes;
    zipBytes += deflateRawSync(readFileSync(p)).length;
  }
  return { file: entry, bytes, lazyBytes, zipBytes, mapBytes };
}

function sqsEventOf(bodies: unknown[]): unknown {
  return {
    Records: bodies.map((b, i) => ({
      messageId: `bench-${i}`,
      receiptHandle: 'bench',
      body: JSON.stringify(b),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'bench', ApproximateFirstReceiveTimestamp: String(Date.now()) },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:bench',
      awsRegion: 'us-east-1',
    })),
  };
}

/**
 * A realistic event per function: one RGW record for on-object-event; a provision job for a fresh
 * dataset (the whole saga runs in the child); 10 new objects of that dataset for import.
 * The dataset lives outside the watched directories, so the stack's own functions leave it alone.
 */
async function sampleEvents(ctx: BenchContext): Promise<Record<string, { what: string; event: unknown }>> {
  const { bucket, webhookToken } = ctx.info;
  const ds = unwatchedDataset(bucket, uniqueName('BenchCold'));
  const etag = await putObject(ctx.s3, bucket, `${ds.prefix}/SPA.yml`, SAMPLE_METADATA);
  const job: ProvisionJob = {
    type: 'provision',
    dataset: ds,
    metadataFile: 'SPA.yml',
    etag,
    dedupKey: `provision:${ds.id}:${etag}`,
    correlationId: 'bench-cold-start',
    enqueuedAt: new Date().toISOString(),
    reason: 'event',
  };
  // Import jobs for the same (then provisioned) dataset, routed as if it were watched.
  const watchedTwin = datasetRef(bucket, 'datasets', ds.name);
  const records = Array.from({ length: 10 }, (_, i) => ({
    eventSource: 'ceph:s3',
    eventName: 'ObjectCreated:Put',
    eventTime: new Date().toISOString(),
    s3: { bucket: { name: bucket }, object: { key: `${watchedTwin.prefix}/Movies/cold_${i}.tiff`, size: 2048 + i, eTag: `c${i}`, sequencer: `C${i}` } },
  }));
  const importJobs = routeEvents(normalizeNotification({ Records: records }), getRuntime().classifier).import.map((j) => ({
    ...j,
    dataset: ds,
    key: j.key.replace(watchedTwin.prefix, ds.prefix),
  }));
  const rgwRecord = {
    Records: [
      {
        eventVersion: '2.2',
        eventSource: 'ceph:s3',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        s3: {
          bucket: { name: bucket },
          object: { key: `datasets/${uniqueName('BenchColdEvt')}/Movies/frame_0.tiff`, size: 4096, eTag: 'abc', sequencer: '01' },
        },
        opaqueData: webhookToken,
      },
    ],
  };
  const now = Date.now();
  const body = JSON.stringify(rgwRecord);
  return {
    'on-object-event': {
      what: 'one RGW record over HTTP (API Gateway v2 event)',
      event: httpEvent(body, {}),
    },
    provision: { what: 'one provision job: a full saga against the simulator (L = 25 ms, P = 300 ms)', event: sqsEventOf([job]) },
    // Scheduled: an EventBridge event; the pass walks every dataset folder of the bucket (those the
    // other figures left there).
    reconcile: {
      what: 'a scheduled run (EventBridge event) over every dataset folder in the bucket',
      event: {
        version: '0',
        id: 'bench',
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '000000000000',
        time: new Date(now).toISOString(),
        region: 'us-east-1',
        resources: [],
        detail: {},
      },
    },
    import: { what: '10 new objects of that dataset (s3 registrations)', event: sqsEventOf(importJobs) },
  };
}
