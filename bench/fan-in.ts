/**
 * Figure 3 — event fan-in: data-object events through on-object-event into the local queue.
 *
 * The handler is invoked in this process through the local runner's FunctionHost (as the gateway
 * and the SQS event source do), with the payloads the three producers send:
 * - `fan-in-rgw`: Ceph RGW topic push, one record per HTTP POST (secret in `opaqueData`);
 * - `fan-in-batch10`: a webhook POST carrying 10 records (Bearer token);
 * - `fan-in-sqs10`: AWS S3 → SQS → Lambda, a batch of 10 SQS messages of one S3 record each.
 * Jobs go to a throw-away queue on the same local SQS server (not the import queue: nothing
 * consumes them). SQS requests are counted on the functions' own SQS client.
 * Baseline (same run, same server, same concurrency): raw SendMessageBatch throughput of the same
 * job bodies without our function — 1 entry per call for one-record deliveries, 10 for batches.
 */
import { randomUUID } from 'node:crypto';
import { CreateQueueCommand, DeleteQueueCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, SQSEvent } from 'aws-lambda';
import { createSqsClient } from '../shared/aws/clients.ts';
import { normalizeNotification } from '../shared/events/normalize.ts';
import { routeEvents } from '../shared/events/route.ts';
import { MAX_BATCHES_IN_FLIGHT } from '../shared/queue/sqs-sender.ts';
import { getRuntime, resetRuntime } from '../shared/runtime/index.ts';
import { load1, queueDepth, type BenchContext, type Figure } from './lib/context.ts';
import { median, p95, round } from './lib/stats.ts';

/** Deliveries in progress at once (RGW: one per concurrent PUT; Lambda: batches per container = 1, so this is the in-process equivalent of 16 pushes). */
export const DELIVERY_CONCURRENCY = 16;
const RAW_CONCURRENCIES = [DELIVERY_CONCURRENCY, MAX_BATCHES_IN_FLIGHT];
export const TARGET_PUTS_PER_SECOND = 5000;

/**
 * `events`: how many go through the function (full run / --quick). The batched webhook carries the
 * issue's 100,000; the two modes that cost one SQS request per event run fewer (their rate is
 * steady after a few thousand events, and 100,000 of them would take minutes on 2 cores).
 */
type Mode = { name: string; transport: 'http-rgw' | 'http-batch' | 'sqs'; recordsPerDelivery: number; what: string; events: [number, number] };
const MODES: Mode[] = [
  { name: 'fan-in-batch10', transport: 'http-batch', recordsPerDelivery: 10, what: 'webhook POST with 10 records', events: [100_000, 10_000] },
  { name: 'fan-in-rgw', transport: 'http-rgw', recordsPerDelivery: 1, what: 'Ceph RGW push: 1 record per POST', events: [20_000, 5_000] },
  { name: 'fan-in-sqs10', transport: 'sqs', recordsPerDelivery: 10, what: 'S3 → SQS → Lambda: 10 SQS messages of 1 S3 record each', events: [20_000, 5_000] },
];
/** Messages sent by the raw baselines, per messages-per-call (full / --quick). */
const BASELINE_MESSAGES: Record<number, [number, number]> = { 1: [5_000, 2_000], 10: [30_000, 10_000] };

function s3Record(bucket: string, i: number, source: 'ceph:s3' | 'aws:s3', opaqueData?: string): Record<string, unknown> {
  const hex = i.toString(16).padStart(16, '0');
  return {
    eventVersion: source === 'ceph:s3' ? '2.2' : '2.1',
    eventSource: source,
    awsRegion: '',
    eventTime: new Date().toISOString(),
    eventName: source === 'ceph:s3' ? 'ObjectCreated:Put' : 'ObjectCreated:Put',
    userIdentity: { principalId: 'bench' },
    requestParameters: { sourceIPAddress: '' },
    responseElements: { 'x-amz-request-id': `bench-${hex}`, 'x-amz-id-2': 'bench' },
    s3: {
      s3SchemaVersion: '1.0',
      configurationId: 's3od',
      bucket: { name: bucket, ownerIdentity: { principalId: 'bench' }, arn: `arn:aws:s3:::${bucket}` },
      object: {
        key: `datasets/FanIn_${i % 100}/Movies/frame_${i}.tiff`,
        size: 4096 + (i % 1000),
        eTag: `${hex}${hex}`,
        versionId: '',
        sequencer: hex.toUpperCase(),
      },
    },
    ...(opaqueData ? { opaqueData } : {}),
  };
}

/** An API Gateway v2 event of a POST to on-object-event (what the local gateway hands the function). */
export function httpEvent(body: string, headers: Record<string, string>): APIGatewayProxyEventV2 {
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: 'POST /function/on-object-event',
    rawPath: '/function/on-object-event',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers },
    queryStringParameters: {},
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'POST', path: '/function/on-object-event', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: String(now),
      routeKey: 'POST /function/on-object-event',
      stage: '$default',
      time: new Date(now).toISOString(),
      timeEpoch: now,
    },
    body,
    isBase64Encoded: false,
  };
}

function delivery(ctx: BenchContext, mode: Mode, first: number): unknown {
  const { bucket, webhookToken } = ctx.info;
  const n = mode.recordsPerDelivery;
  switch (mode.transport) {
    case 'http-rgw':
      return httpEvent(JSON.stringify({ Records: [s3Record(bucket, first, 'ceph:s3', webhookToken)] }), {});
    case 'http-batch':
      return httpEvent(JSON.stringify({ Records: Array.from({ length: n }, (_, k) => s3Record(bucket, first + k, 'aws:s3')) }), {
        authorization: `Bearer ${webhookToken}`,
      });
    case 'sqs': {
      const ev: SQSEvent = {
        Records: Array.from({ length: n }, (_, k) => {
          const body = JSON.stringify({ Records: [s3Record(bucket, first + k, 'aws:s3')] });
          return {
            messageId: randomUUID(),
            receiptHandle: 'bench',
            body,
            attributes: {
              ApproximateReceiveCount: '1',
              SentTimestamp: String(Date.now()),
              SenderId: 'bench',
              ApproximateFirstReceiveTimestamp: String(Date.now()),
            },
            messageAttributes: {},
            md5OfBody: '',
            eventSource: 'aws:sqs',
            eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:s3od-local-events',
            awsRegion: 'us-east-1',
          };
        }),
      };
      return ev;
    }
  }
}

function restoreEnv(key: string, value: string | undefined): void {
  if (value === undefined) delete process.env[key];
  else process.env[key] = value;
}

async function withSinkQueue<T>(ctx: BenchContext, label: string, body: (queueUrl: string) => Promise<T>): Promise<T> {
  const name = `bench-sink-${label}-${process.pid}-${Date.now()}`;
  const res = await ctx.sqs.send(new CreateQueueCommand({ QueueName: name }));
  const queueUrl = res.QueueUrl!;
  try {
    return await body(queueUrl);
  } finally {
    await ctx.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  }
}

/** Sends `messages` job bodies straight to the queue, `perCall` per SendMessageBatch, DELIVERY_CONCURRENCY calls at once. */
async function rawChunk(client: SQSClient, queueUrl: string, messages: number, perCall: number, bodies: string[], concurrency: number): Promise<number> {
  const calls = Math.ceil(messages / perCall);
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < calls) {
        const c = next++;
        const entries = Array.from({ length: perCall }, (_, k) => ({ Id: String(k), MessageBody: bodies[(c * perCall + k) % bodies.length]! }));
        await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      }
    }),
  );
  return performance.now() - t0;
}

/** Delivers `events` events (from event number `first`) to on-object-event, DELIVERY_CONCURRENCY deliveries at once. */
async function functionChunk(
  ctx: BenchContext,
  mode: Mode,
  first: number,
  events: number,
  concurrency = DELIVERY_CONCURRENCY,
): Promise<{ ms: number; failures: number; latencies: number[] }> {
  const deliveries = Math.ceil(events / mode.recordsPerDelivery);
  let next = 0;
  let failures = 0;
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < deliveries) {
        const d = next++;
        const s = performance.now();
        const out = await ctx.stack.host.invoke('on-object-event', delivery(ctx, mode, first + d * mode.recordsPerDelivery));
        latencies.push(performance.now() - s);
        if (!out.ok) failures++;
        else if (mode.transport === 'sqs') failures += ((out.result as { batchItemFailures?: unknown[] })?.batchItemFailures ?? []).length;
        else if ((out.result as { statusCode?: number })?.statusCode !== 202) failures++;
      }
    }),
  );
  return { ms: performance.now() - t0, failures, latencies };
}

interface ModeResult {
  perSecond: number;
  rawPerSecond: number;
  rawRates: Record<string, number>;
  wallMs: number;
  sqsCalls: Record<string, number>;
  failures: number;
  queued: number;
  /** Per delivery (invoke → answered) at DELIVERY_CONCURRENCY, and one at a time. */
  latencies: number[];
  loneLatencies: number[];
}

/**
 * One mode: ROUNDS rounds of (raw baseline chunk, function chunk) on the same throw-away queue,
 * so both see the same machine load; rates from the summed times. The functions' queue URLs point
 * at that queue meanwhile (their runtime is rebuilt, and rebuilt again after).
 */
async function runMode(
  ctx: BenchContext,
  mode: Mode,
  events: number,
  rawMessages: number,
  rawPerCall: number,
  bodies: string[],
  rounds: number,
): Promise<ModeResult> {
  return withSinkQueue(ctx, mode.name, async (queueUrl) => {
    const saved = { p: process.env.S3OD_PROVISION_QUEUE_URL, i: process.env.S3OD_IMPORT_QUEUE_URL };
    process.env.S3OD_IMPORT_QUEUE_URL = queueUrl;
    process.env.S3OD_PROVISION_QUEUE_URL = queueUrl;
    resetRuntime();
    const client = createSqsClient();
    try {
      let fnMs = 0;
      // The raw rate at two concurrencies (the deliveries' 16, and the function's own cap of
      // batches in flight per queue): the bound is the faster, so no sender can beat it by
      // keeping fewer calls in flight than the deliveries do.
      const rawMs = new Map<number, number>(RAW_CONCURRENCIES.map((c) => [c, 0]));
      let failures = 0;
      const perRound = Math.ceil(events / rounds / mode.recordsPerDelivery) * mode.recordsPerDelivery;
      const rawPerRound = Math.ceil(rawMessages / rounds / rawPerCall) * rawPerCall;
      let sent = 0;
      const latencies: number[] = [];
      let sqsCalls: Record<string, number> = {};
      for (let r = 0; r < rounds; r++) {
        for (const c of RAW_CONCURRENCIES) rawMs.set(c, rawMs.get(c)! + (await rawChunk(client, queueUrl, rawPerRound, rawPerCall, bodies, c)));
        const before = ctx.aws.snapshot();
        const n = Math.min(perRound, events - sent);
        const f = await functionChunk(ctx, mode, sent, n);
        for (const [k, v] of Object.entries(ctx.aws.since(before))) sqsCalls = { ...sqsCalls, [k]: (sqsCalls[k] ?? 0) + v };
        sent += n;
        fnMs += f.ms;
        latencies.push(...f.latencies);
        failures += f.failures;
      }
      // Deliveries one at a time (an idle container): the micro-batcher must not hold them back.
      const lone = await functionChunk(ctx, mode, 10_000_000, 200 * mode.recordsPerDelivery, 1);
      failures += lone.failures;
      const loneExtra = 200 * mode.recordsPerDelivery;
      // What the function queued (the raw baseline's messages share the queue).
      const queued = (await queueDepth(ctx.sqs, queueUrl)) - rawPerRound * rounds * RAW_CONCURRENCIES.length - loneExtra;
      const rawRates = Object.fromEntries(RAW_CONCURRENCIES.map((c) => [c, (rawPerRound * rounds) / (rawMs.get(c)! / 1000)]));
      return {
        perSecond: events / (fnMs / 1000),
        rawPerSecond: Math.max(...Object.values(rawRates)),
        rawRates,
        wallMs: fnMs,
        sqsCalls,
        failures,
        queued,
        latencies,
        loneLatencies: lone.latencies,
      };
    } finally {
      client.destroy();
      restoreEnv('S3OD_PROVISION_QUEUE_URL', saved.p);
      restoreEnv('S3OD_IMPORT_QUEUE_URL', saved.i);
      resetRuntime();
    }
  });
}

export async function fanIn(ctx: BenchContext): Promise<Figure[]> {
  const pick = (x: [number, number]): number => (ctx.opts.quick ? x[1] : x[0]);
  const rounds = ctx.opts.quick ? 3 : 5;
  await ctx.waitIdle(60_000, { countInvisible: false });
  // Job bodies as the function builds them, for the raw baseline.
  const sample = normalizeNotification({ Records: Array.from({ length: 100 }, (_, i) => s3Record(ctx.info.bucket, i, 'aws:s3')) });
  const bodies = routeEvents(sample, getRuntime().classifier).import.map((j) => JSON.stringify(j));
  // Warm-up: module load, connection pools, JIT.
  await runMode(ctx, MODES[0]!, 1000, 1000, 10, bodies, 1);
  const figures: Figure[] = [];
  for (const mode of MODES) {
    const events = pick(mode.events);
    // The bound: the queue's own rate with full SendMessageBatch calls (10 messages), whatever the
    // delivery carries. A function that sent one request per one-record delivery could not beat it;
    // one that batches across deliveries can at most reach it. (A one-per-call baseline for the
    // one-record modes would flatter them: batching across deliveries beats it.)
    const rawPerCall = 10;
    const rawMessages = pick(BASELINE_MESSAGES[rawPerCall]!);
    ctx.progress(
      `fan-in ${mode.name}: ${events} events, ${mode.what}, ${DELIVERY_CONCURRENCY} deliveries at once; baseline ${rawMessages} raw messages, ${rawPerCall} per call; ${rounds} interleaved rounds`,
    );
    const loadStart = load1();
    const r = await runMode(ctx, mode, events, rawMessages, rawPerCall, bodies, rounds);
    const sendCalls = r.sqsCalls['sqs:SendMessageBatch'] ?? 0;
    ctx.progress(
      `  ${round(r.perSecond)} events/s (raw queue ${round(r.rawPerSecond)} messages/s), ${sendCalls} SendMessageBatch calls, ${r.failures} failures`,
    );
    figures.push({
      name: mode.name,
      value: round(r.perSecond),
      unit: 'events/s',
      baseline: round(r.rawPerSecond),
      ratio: round(r.perSecond / r.rawPerSecond, 2),
      // A rate against the raw queue's rate (the function can only add work to it): higher is better, ≤ 1.
      better: 'higher',
      baselineMeaning: `raw SendMessageBatch throughput of the same local queue without the function, ${rawPerCall} message(s) per call, the faster of ${RAW_CONCURRENCIES.join(' and ')} calls in flight, interleaved with the function's rounds`,
      rawRatesByConcurrency: Object.fromEntries(Object.entries(r.rawRates).map(([k, v]) => [k, round(v)])),
      baselineMessages: rawMessages,
      delivery: mode.what,
      events,
      recordsPerDelivery: mode.recordsPerDelivery,
      deliveryConcurrency: DELIVERY_CONCURRENCY,
      sqsRequestsPer1000Events: round((sendCalls / events) * 1000, 1),
      sqsRequests: r.sqsCalls,
      target: TARGET_PUTS_PER_SECOND,
      targetRatio: round(r.perSecond / TARGET_PUTS_PER_SECOND, 2),
      functionMs: round(r.wallMs),
      failures: r.failures,
      jobsQueued: r.queued,
      // A delivery is answered only after its jobs are queued: these include the SQS call.
      deliveryMs: { p50: round(median(r.latencies), 1), p95: round(p95(r.latencies), 1), max: round(Math.max(...r.latencies), 1) },
      loneDeliveryMs: { p50: round(median(r.loneLatencies), 1), p95: round(p95(r.loneLatencies), 1) },
      load1: [loadStart, load1()],
    });
  }
  return figures;
}
