import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import importFn from '../../infra/openfaas/handlers/import.ts';
import onObjectEvent from '../../infra/openfaas/handlers/on-object-event.ts';
import provision from '../../infra/openfaas/handlers/provision.ts';
import { DEFAULT_MAPPINGS, QueueWorker } from '../../infra/openfaas/queue-worker.ts';
import { startTemplateShim, type RunningShim } from '../../infra/openfaas/template-shim.ts';
import { datasetRef } from '../../shared/dataset/ref.ts';
import { createLogger, setLogSink, type LogSink } from '../../shared/log/index.ts';
import { pollUntil } from '../../shared/retry/index.ts';
import { resetRuntime } from '../../shared/runtime/index.ts';
import type { ProvisionJob } from '../../shared/queue/jobs.ts';
import { SAMPLE_METADATA, uniqueName, uploadDataset, waitForStatus } from '../helpers/datasets.ts';
import { control, drainQueue, queueDepth, s3Client, sqsClient, stackInfo } from '../helpers/stack-client.ts';

/**
 * The OpenFaaS entry points over HTTP on the local stack: the handlers are served by a node:http
 * stand-in for the node20 template behind a "/function/<name>" gateway (no Docker here), with
 * the stack's queues, bucket and Onedata simulator. The stack's own SQS event sources are paused,
 * so the queues are ours to inspect and s3od's queue worker is the only consumer.
 */
const info = stackInfo();
const s3 = s3Client(info);
const sqs = sqsClient(info);
const fixture = readFileSync(join(import.meta.dirname, '../fixtures/events/rgw-put.json'), 'utf8');
const lines: string[] = [];
let prevSink: LogSink;
let shim: RunningShim;

/** The captured RGW event, moved into the stack's bucket and a watched folder. */
function rgwEvent(name: string): string {
  const e = JSON.parse(fixture);
  e.Records[0].s3.bucket.name = info.bucket;
  e.Records[0].s3.bucket.arn = `arn:aws:s3:::${info.bucket}`;
  e.Records[0].s3.object.key = `datasets/${name}/SPA.yml`;
  return JSON.stringify(e);
}

describe('OpenFaaS entry points on the local stack', () => {
  beforeAll(async () => {
    await control('POST', '/pause');
    // This worker process plays the function containers: the stack's function environment.
    Object.assign(process.env, info.functionEnv);
    resetRuntime();
    prevSink = setLogSink((l) => lines.push(l));
    shim = await startTemplateShim({ 'on-object-event': onObjectEvent, provision, import: importFn }, { rawBody: true });
  });
  afterAll(async () => {
    await shim?.close();
    await drainQueue(sqs, info.queues.ProvisionQueue!);
    await drainQueue(sqs, info.queues.ImportQueue!);
    setLogSink(prevSink);
    await control('POST', '/resume');
    sqs.destroy();
  });

  it('on-object-event: 401 without the token, 202 and a provision job with it; HEAD/GET probes enqueue nothing', async () => {
    await drainQueue(sqs, info.queues.ProvisionQueue!);
    const name = uniqueName('OpenFaaS_Webhook');
    const url = `${shim.url}/function/on-object-event`;
    const post = (headers: Record<string, string>) =>
      fetch(url, { method: 'POST', body: rgwEvent(name), headers: { 'content-type': 'application/json', ...headers } });

    expect((await post({})).status).toBe(401); // the fixture's opaqueData is not our token
    expect((await post({ authorization: 'Bearer not-the-token' })).status).toBe(401);
    expect(await drainQueue(sqs, info.queues.ProvisionQueue!)).toEqual([]);

    for (const method of ['HEAD', 'GET']) {
      const res = await fetch(url, { method, headers: { authorization: `Bearer ${info.webhookToken}` } });
      expect(res.status, method).toBe(200);
    }
    expect(await drainQueue(sqs, info.queues.ProvisionQueue!)).toEqual([]);

    // RGW cannot send headers: its topic carries the token as OpaqueData, copied into every record.
    const viaOpaque = JSON.parse(rgwEvent(name));
    viaOpaque.Records[0].opaqueData = info.webhookToken;
    const rgw = await fetch(url, { method: 'POST', body: JSON.stringify(viaOpaque), headers: { 'content-type': 'application/json' } });
    expect(rgw.status).toBe(202);
    expect(await drainQueue(sqs, info.queues.ProvisionQueue!)).toHaveLength(1);

    const ok = await post({ authorization: `Bearer ${info.webhookToken}` });
    expect(ok.status).toBe(202);
    expect(await ok.json()).toEqual({ events: 1, provisionJobs: 1, importJobs: 0, dropped: 0 });
    const jobs = (await drainQueue(sqs, info.queues.ProvisionQueue!)) as ProvisionJob[];
    expect(jobs).toEqual([expect.objectContaining({ type: 'provision', metadataFile: 'SPA.yml', dataset: datasetRef(info.bucket, 'datasets', name) })]);
    expect(lines.join('\n')).not.toContain(info.webhookToken);
  });

  it('the queue worker feeds provision over HTTP: a metadata upload ends provisioned, the queue empty', async () => {
    await drainQueue(sqs, info.queues.ProvisionQueue!);
    const name = uniqueName('OpenFaaS_Worker');
    // RGW pushes the upload to the stack's on-object-event; the job waits on the paused queue.
    const prefix = await uploadDataset(s3, name, { files: 1, metadata: SAMPLE_METADATA });
    await pollUntil(async () => ((await queueDepth(sqs, info.queues.ProvisionQueue!)).visible > 0 ? true : undefined), {
      deadlineMs: 10_000,
      initialDelayMs: 50,
      maxDelayMs: 200,
      description: 'the provision job',
    });

    const log = createLogger({ app: 's3od-test' });
    const worker = new QueueWorker({
      gatewayUrl: shim.url,
      token: info.jobsToken,
      sqs,
      region: info.region,
      mappings: [{ functionName: 'provision', queueUrl: info.queues.ProvisionQueue!, ...DEFAULT_MAPPINGS.provision, concurrency: 1 }],
      waitTimeSeconds: 0,
      idleDelayMs: 50,
      log,
    });
    worker.start();
    try {
      const state = await waitForStatus(s3, prefix, ['provisioned', 'failed'], 60_000);
      expect(state.failureReason).toBeUndefined();
      expect(state.status).toBe('provisioned');
      // Our own write-back raised one more job; the worker takes that too.
      await pollUntil(
        async () => {
          const d = await queueDepth(sqs, info.queues.ProvisionQueue!);
          return d.visible + d.inFlight === 0 && (worker.inFlight.get('provision') ?? 0) === 0 ? true : undefined;
        },
        { deadlineMs: 30_000, initialDelayMs: 50, maxDelayMs: 300, description: 'the provision queue to drain' },
      );
    } finally {
      await worker.stop();
    }
    expect(worker.stats.failed).toBe(0);
    expect(shim.calls.filter((c) => c.fn === 'provision' && c.method === 'POST').length).toBe(worker.stats.batches);
    // The provision function's metrics: the outcome and the saga's step latencies.
    const metrics = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'metrics' && l.fn === 'provision');
    expect(metrics).toContainEqual(expect.objectContaining({ Outcome: 'provisioned', DatasetsProvisioned: 1, dataset: prefix }));
    expect(metrics.filter((m) => m.Step === 'create-space')).toHaveLength(1);
  });
});
