import { loadavg } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PROJECT_ROOT, startStack, type RunningStack, type StackInfo } from '../../infra/local/stack.ts';
import { dropMiddlewareCache, sharedS3Client, sharedSqsClient } from '../../shared/aws/clients.ts';
import { createLogger, setLogSink } from '../../shared/log/index.ts';
import { getRuntime } from '../../shared/runtime/index.ts';
import { sleep } from './stats.ts';

/** Simulator knobs every figure runs with (the L and a realistic propagation delay P). */
export const LATENCY_MS = 25;
export const PROPAGATION_MS = 300;

export interface BenchOptions {
  quick: boolean;
  verbose: boolean;
}

/** One figure's output: a single JSON line on stdout. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline: number | null;
  ratio: number | null;
  /**
   * Which way `ratio` is good (`value` when there is no ratio): "lower" for a time against a bound
   * the code cannot beat (≥ 1), "higher" for a throughput against one (≤ 1).
   */
  better: 'lower' | 'higher';
  [extra: string]: unknown;
}

/**
 * What the functions log, reduced to what the benchmark needs: when each dataset's access
 * information was written back and when it was provisioned (arrival time in this process, so
 * comparable with Date.now() and the simulator's request log), plus error counts.
 */
export class LogCapture {
  readonly writeBacks = new Map<string, number>();
  readonly provisioned = new Map<string, number>();
  errors = 0;
  warnings = 0;
  readonly errorSamples: string[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(private readonly verbose: boolean) {}

  readonly sink = (line: string): void => {
    const now = Date.now();
    if (this.verbose) process.stderr.write(line + '\n');
    if (line.includes('"access information written back"') || line.includes('"dataset provisioned"')) {
      const rec = JSON.parse(line) as { msg: string; dataset?: string };
      if (rec.dataset) (rec.msg === 'dataset provisioned' ? this.provisioned : this.writeBacks).set(rec.dataset, now);
    }
    if (line.includes('"level":"error"')) {
      this.errors++;
      if (this.errorSamples.length < 5) this.errorSamples.push(line.slice(0, 600));
    } else if (line.includes('"level":"warn"')) this.warnings++;
    for (const w of this.waiters) w();
  };

  /** Resolves once `pred` holds (checked on every log line and every 100 ms); rejects after the deadline. */
  waitFor(pred: () => boolean, deadlineMs: number, what: string): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pred()) return;
        cleanup();
        resolve();
      };
      const timer = setInterval(check, 100);
      const deadline = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${deadlineMs} ms waiting for ${what}`));
      }, deadlineMs);
      const cleanup = (): void => {
        clearInterval(timer);
        clearTimeout(deadline);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  resetCounters(): { errors: number; warnings: number } {
    const r = { errors: this.errors, warnings: this.warnings };
    this.errors = 0;
    this.warnings = 0;
    return r;
  }
}

export interface AwsOp {
  client: 's3' | 'sqs';
  cmd: string;
  key?: string;
  start: number;
  end: number;
  ok: boolean;
}

/**
 * Counts (and, while `recording`, times) every command the functions' shared S3 and SQS clients
 * send, via an SDK middleware — the same singletons the in-process handlers use.
 */
export class AwsOpRecorder {
  readonly counts = new Map<string, number>();
  ops: AwsOp[] = [];
  recording = false;

  attach(client: S3Client | SQSClient, kind: 's3' | 'sqs'): void {
    const name = `bench-recorder-${kind}`;
    client.middlewareStack.remove(name);
    const mw = (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) => async (args: unknown) => {
      const command = (context.commandName ?? 'unknown').replace(/Command$/, '');
      const cmd = `${kind}:${command}`;
      this.counts.set(cmd, (this.counts.get(cmd) ?? 0) + 1);
      if (!this.recording) return next(args);
      const start = Date.now();
      const key = (args as { input?: { Key?: string } }).input?.Key;
      let ok = false;
      try {
        const r = await next(args);
        ok = true;
        return r;
      } finally {
        this.ops.push({ client: kind, cmd: command, ...(key ? { key } : {}), start, end: Date.now(), ok });
      }
    };
    (client.middlewareStack as unknown as { add(mw: unknown, opts: unknown): void }).add(mw, { step: 'initialize', name, override: true });
    dropMiddlewareCache(client);
  }

  count(cmd: string): number {
    return this.counts.get(cmd) ?? 0;
  }

  snapshot(): Map<string, number> {
    return new Map(this.counts);
  }

  /** Commands sent since a snapshot. */
  since(snap: Map<string, number>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [k, v] of this.counts) if (v - (snap.get(k) ?? 0) > 0) out[k] = v - (snap.get(k) ?? 0);
    return out;
  }
}

export interface BenchContext {
  opts: BenchOptions;
  stack: RunningStack;
  info: StackInfo;
  /** A client of our own (not the functions' shared one), for uploads and reads. */
  s3: S3Client;
  sqs: SQSClient;
  logs: LogCapture;
  aws: AwsOpRecorder;
  L: number;
  P: number;
  /** `onedata.concurrency` of the running config: the per-service limit of the Onedata client. */
  onedataConcurrency: number;
  registrationConcurrency: number;
  progress(msg: string): void;
  /**
   * Waits until no job is queued, delayed or being processed on the job queues. With
   * `countInvisible: false`, jobs deferred by a visibility change (and not held by any event
   * source) are not waited for — e.g. the event of our own write-back, deferred for the rest of
   * the lease when it arrives before the saga's final save.
   */
  waitIdle(deadlineMs?: number, opts?: { queues?: string[]; countInvisible?: boolean }): Promise<void>;
}

const started = Date.now();
export function progress(msg: string): void {
  try {
    process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)} s] ${msg}\n`);
  } catch {
    /* nobody reads stderr any more */
  }
}

export function load1(): number {
  return Math.round(loadavg()[0]! * 100) / 100;
}

export function benchS3Client(info: StackInfo): S3Client {
  return new S3Client({
    endpoint: info.s3Endpoint,
    region: info.region,
    credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey },
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export function benchSqsClient(info: StackInfo): SQSClient {
  return new SQSClient({ endpoint: info.sqsEndpoint, region: info.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

export async function queueDepth(sqs: SQSClient, queueUrl: string, countInvisible = true): Promise<number> {
  const res = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
    }),
  );
  const a = res.Attributes ?? {};
  // local-aws-sqs counts every message that is not delayed in ApproximateNumberOfMessages,
  // the invisible ones (received, or deferred by a visibility change) included.
  const invisible = Number(a.ApproximateNumberOfMessagesNotVisible ?? 0);
  const visible = Math.max(0, Number(a.ApproximateNumberOfMessages ?? 0) - invisible);
  return visible + (countInvisible ? invisible : 0) + Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
}

/** Extra mappings started by a figure (see event-sources.ts) report their in-flight batches here. */
export const extraInFlight = new Set<{ inFlight: number }>();

/**
 * Starts the local stack the way the tests do (random 127.0.0.1 ports, own state dir), with the
 * simulator at L = 25 ms and P = 300 ms. Every log line goes to the capture (never to stdout).
 */
export async function startBenchContext(opts: BenchOptions): Promise<{ ctx: BenchContext; stop(): Promise<void> }> {
  const logs = new LogCapture(opts.verbose);
  setLogSink(logs.sink);
  const stateDir = join(PROJECT_ROOT, '.local', `bench-${process.pid}`);
  let stack: RunningStack;
  try {
    stack = await startStack({
      rgwPort: 0,
      rgwMonPort: 0,
      sqsPort: 0,
      functionsPort: 0,
      onedataPort: 0,
      smtpPort: 0,
      stateDir,
      simKnobs: { latencyMs: LATENCY_MS, propagationDelayMs: PROPAGATION_MS },
      // Crashed or deferred jobs come back in seconds, not minutes.
      maxVisibilityTimeout: 10,
      eventSourceConcurrency: 4,
      log: createLogger({ app: 's3od-bench-stack' }),
    });
  } catch (e) {
    // startStack stops what it started; the state dir is ours to remove.
    rmSync(stateDir, { recursive: true, force: true });
    throw e;
  }
  const info = stack.info;
  const s3 = benchS3Client(info);
  const sqs = benchSqsClient(info);
  const aws = new AwsOpRecorder();
  aws.attach(sharedS3Client(), 's3');
  aws.attach(sharedSqsClient(), 'sqs');
  const config = getRuntime().config;
  const ctx: BenchContext = {
    opts,
    stack,
    info,
    s3,
    sqs,
    logs,
    aws,
    L: LATENCY_MS,
    P: PROPAGATION_MS,
    onedataConcurrency: config.onedata.concurrency,
    registrationConcurrency: config.import.registrationConcurrency,
    progress,
    async waitIdle(deadlineMs = 60_000, { queues = ['ProvisionQueue', 'ImportQueue'], countInvisible = true } = {}) {
      const until = Date.now() + deadlineMs;
      let quiet = 0;
      while (Date.now() < until) {
        let busy = 0;
        for (const q of queues) busy += await queueDepth(sqs, info.queues[q]!, countInvisible);
        for (const m of stack.mappings.values()) busy += m.inFlight;
        for (const m of extraInFlight) busy += m.inFlight;
        quiet = busy === 0 ? quiet + 1 : 0;
        // Two quiet looks in a row: a job in hand between receive and invoke is not missed.
        if (quiet >= 2) return;
        await sleep(100);
      }
      throw new Error(`queues ${queues.join(', ')} not idle after ${deadlineMs} ms`);
    },
  };
  let stopped = false;
  return {
    ctx,
    async stop() {
      if (stopped) return;
      stopped = true;
      s3.destroy();
      sqs.destroy();
      await stack.stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
