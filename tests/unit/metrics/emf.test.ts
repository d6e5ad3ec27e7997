import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { createLogger, registerSecret, setLogSink, type LogSink } from '../../../shared/log/index.ts';
import { count, emfDocument, EmfError, Metrics, milliseconds, METRICS_MESSAGE } from '../../../shared/metrics/index.ts';
import { OnedataError } from '../../../shared/onedata/errors.ts';
import type { ImportJob, ProvisionJob } from '../../../shared/queue/jobs.ts';

/**
 * Checks a log line the way CloudWatch Logs extracts EMF metrics: `_aws` with an integer
 * Timestamp and directives; every dimension named in a set is a root string member; every metric
 * named is a root number member. Returns the metrics as (name, dimensions, value) triples.
 */
function extractEmf(line: string): { name: string; unit: string; dims: Record<string, string>; value: number; namespace: string }[] {
  const doc = JSON.parse(line) as Record<string, any>;
  const aws = doc._aws;
  expect(aws, 'an EMF line has _aws').toBeTypeOf('object');
  expect(Number.isInteger(aws.Timestamp)).toBe(true);
  expect(Array.isArray(aws.CloudWatchMetrics)).toBe(true);
  const out: { name: string; unit: string; dims: Record<string, string>; value: number; namespace: string }[] = [];
  for (const d of aws.CloudWatchMetrics) {
    expect(typeof d.Namespace).toBe('string');
    expect(d.Metrics.length).toBeGreaterThan(0);
    expect(d.Metrics.length).toBeLessThanOrEqual(100);
    for (const set of d.Dimensions as string[][]) {
      expect(set.length).toBeLessThanOrEqual(30);
      for (const dim of set) expect(typeof doc[dim], `dimension ${dim} is a root string`).toBe('string');
      for (const m of d.Metrics as { Name: string; Unit: string }[]) {
        expect(typeof doc[m.Name], `metric ${m.Name} is a root number`).toBe('number');
        out.push({ name: m.Name, unit: m.Unit, namespace: d.Namespace, value: doc[m.Name], dims: Object.fromEntries(set.map((k) => [k, doc[k]])) });
      }
    }
  }
  return out;
}

describe('emfDocument', () => {
  it('builds the EMF shape: _aws metadata, dimension and metric values as root members', () => {
    const doc = emfDocument({
      namespace: 's3od/test',
      dimensions: { Function: 'provision', Outcome: 'provisioned' },
      dimensionSets: [['Function'], ['Function', 'Outcome']],
      metrics: { ProvisionJobs: count(), JobDuration: milliseconds(1234.4) },
      properties: { dataset: 'datasets/Run 1' },
      timestamp: 1795695328000.7,
    });
    expect(doc).toEqual({
      _aws: {
        Timestamp: 1795695328001,
        CloudWatchMetrics: [
          {
            Namespace: 's3od/test',
            Dimensions: [['Function'], ['Function', 'Outcome']],
            Metrics: [
              { Name: 'ProvisionJobs', Unit: 'Count' },
              { Name: 'JobDuration', Unit: 'Milliseconds' },
            ],
          },
        ],
      },
      Function: 'provision',
      Outcome: 'provisioned',
      ProvisionJobs: 1,
      JobDuration: 1234,
      dataset: 'datasets/Run 1',
    });
    expect(extractEmf(JSON.stringify(doc))).toHaveLength(4);
  });

  it('uses all dimensions together when no sets are given', () => {
    const doc = emfDocument({ namespace: 'n', dimensions: { A: 'a', B: 'b' }, metrics: { M: count(2) } });
    expect(doc._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([['A', 'B']]);
  });

  it.each([
    ['no metrics', { metrics: {} }],
    ['a non-finite value', { metrics: { M: { value: Number.NaN, unit: 'Count' as const } } }],
    ['an empty dimension value', { dimensions: { Function: '' } }],
    ['a dimension set naming a missing dimension', { dimensionSets: [['Nope']] }],
    ['a name the log line uses', { metrics: { msg: count() } }],
    ['a metric that is also a dimension', { metrics: { Function: count() } }],
    ['a name that is not an identifier', { metrics: { 'two words': count() } }],
    ['more than 100 metrics', { metrics: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`M${i}`, count()])) }],
  ])('rejects %s', (_, override) => {
    const input = { namespace: 'n', dimensions: { Function: 'f' }, metrics: { M: count() }, ...override };
    expect(() => emfDocument(input)).toThrow(EmfError);
  });
});

describe('Metrics (EMF lines through the function logger)', () => {
  let lines: string[];
  let prev: LogSink;
  beforeEach(() => {
    lines = [];
    prev = setLogSink((l) => lines.push(l));
  });
  afterEach(() => {
    setLogSink(prev);
  });
  const logger = () => createLogger({ app: 's3od' }).child({ fn: 'provision' });
  const metricLines = () => lines.filter((l) => JSON.parse(l).msg === METRICS_MESSAGE);
  const all = () => metricLines().flatMap(extractEmf);
  const ds = datasetRef('facility', 'datasets', 'Run 1');
  const job: ProvisionJob = {
    type: 'provision',
    dataset: ds,
    metadataFile: 'SPA.yml',
    etag: 'e',
    dedupKey: 'k',
    correlationId: 'c-1',
    enqueuedAt: new Date(1_000).toISOString(),
    reason: 'event',
  };

  it('provision: a provisioned job counts the dataset, its latency from the enqueue, and the queue wait', () => {
    const m = new Metrics(logger(), 'provision', 's3od/test', () => 5_000);
    m.provisionJob({ job, record: { attributes: { SentTimestamp: '2000', ApproximateReceiveCount: '3' } }, startedAt: 4_000, outcome: 'provisioned' });
    const line = JSON.parse(metricLines()[0]!);
    expect(line).toMatchObject({ level: 'info', app: 's3od', fn: 'provision', dataset: 'datasets/Run 1', correlationId: 'c-1' });
    const byFn = Object.fromEntries(
      all()
        .filter((x) => Object.keys(x.dims).length === 1)
        .map((x) => [x.name, x.value]),
    );
    expect(byFn).toEqual({
      ProvisionJobs: 1,
      DatasetsProvisioned: 1,
      DatasetsFailed: 0,
      JobDuration: 1000,
      ProvisionLatency: 4000,
      Redeliveries: 2,
      QueueWait: 3000,
    });
    expect(all().find((x) => x.name === 'ProvisionJobs' && x.dims.Outcome)).toMatchObject({
      dims: { Function: 'provision', Outcome: 'provisioned' },
      namespace: 's3od/test',
    });
  });

  it('provision: a failure is counted; an error is a retry, a busy dataset is deferred', () => {
    const m = new Metrics(logger(), 'provision', 's3od/test', () => 5_000);
    m.provisionJob({ job, startedAt: 4_000, outcome: 'failed' });
    m.provisionJob({ job, startedAt: 4_000, error: new Error('boom') });
    m.provisionJob({ job, startedAt: 4_000, error: Object.assign(new Error('busy'), { retryLater: true }) });
    const outcomes = all()
      .filter((x) => x.name === 'ProvisionJobs' && x.dims.Outcome)
      .map((x) => x.dims.Outcome);
    expect(outcomes).toEqual(['failed', 'retry', 'deferred']);
    expect(
      all()
        .filter((x) => x.name === 'DatasetsFailed' && !x.dims.Outcome)
        .map((x) => x.value),
    ).toEqual([1, 0, 0]);
    expect(all().some((x) => x.name === 'ProvisionLatency')).toBe(false);
  });

  it("instrument(): the saga's step and failure lines become StepLatency and OnedataErrors, also through child loggers", () => {
    const m = new Metrics(logger(), 'provision', 's3od/test');
    const saga = m.instrument(logger()).child({ dataset: 'datasets/Run 1' });
    saga.info('step completed', { step: 'create-space', durationMs: 42 });
    saga.info('step completed', { step: 'publish-metadata', durationMs: 0, skipped: true });
    saga.error('provisioning attempt failed', { step: 'support-space', onedataErrorId: 'serviceUnavailable', permanent: false });
    saga.error('dataset failed', { step: 'create-space', onedataErrorId: 'forbidden', permanent: true });
    saga.error('dataset failed', { step: 'read-metadata', permanent: true });
    // The original lines are still written, unchanged.
    expect(lines.map((l) => JSON.parse(l).msg).filter((x) => x !== METRICS_MESSAGE)).toEqual([
      'step completed',
      'step completed',
      'provisioning attempt failed',
      'dataset failed',
      'dataset failed',
    ]);
    expect(all().filter((x) => x.name === 'StepLatency')).toEqual([
      expect.objectContaining({ dims: { Function: 'provision', Step: 'create-space' }, value: 42, unit: 'Milliseconds' }),
    ]);
    expect(
      all()
        .filter((x) => x.name === 'OnedataErrors' && x.dims.ErrorId)
        .map((x) => x.dims.ErrorId),
    ).toEqual(['serviceUnavailable', 'forbidden']);
  });

  it('import: counts jobs by type and failures, and Onedata errors by id', () => {
    const m = new Metrics(logger(), 'import', 's3od/test', () => 10_000);
    const ij = { type: 'import', dataset: ds } as ImportJob;
    const err = new OnedataError({
      service: 'oneprovider',
      method: 'post',
      path: '/data/register',
      status: 503,
      id: 'serviceUnavailable',
      description: 'try later',
    });
    m.importBatch({
      jobs: [ij, ij, undefined, { type: 'import-listing', dataset: ds, dedupKey: 'k', correlationId: 'c' }],
      results: [
        { ok: true, outcome: 'registered' },
        { ok: false, error: err },
        { ok: true, outcome: '{}' },
      ],
      records: [{ attributes: { SentTimestamp: '9000' } }, { attributes: { SentTimestamp: '7000' } }],
      startedAt: 9_500,
    });
    const f = all();
    expect(f.filter((x) => x.name === 'ImportJobs' && x.dims.JobType).map((x) => [x.dims.JobType, x.value])).toEqual([
      ['import', 2],
      ['unreadable', 1],
      ['import-listing', 1],
    ]);
    expect(f.filter((x) => x.name === 'ImportJobsFailed' && x.dims.JobType === 'import').map((x) => x.value)).toEqual([1]);
    expect(f.find((x) => x.name === 'QueueWait')?.value).toBe(3000);
    expect(f.find((x) => x.name === 'BatchDuration')?.value).toBe(500);
    expect(f.filter((x) => x.name === 'OnedataErrors' && x.dims.ErrorId)).toEqual([
      expect.objectContaining({ value: 1, dims: { Function: 'import', ErrorId: 'serviceUnavailable' } }),
    ]);
  });

  it('on-object-event and the queue worker: ingest counts, rejections, queue depth', () => {
    const m = new Metrics(logger(), 'on-object-event', 's3od/test', () => 2_000);
    m.ingested('sqs', { events: 3, provisionJobs: 1, importJobs: 1, dropped: 1 }, { attributes: { SentTimestamp: '1500' } });
    m.webhookRejected('unauthorized');
    m.queueDepth('provision', { visible: 4, inFlight: 1, delayed: 0 });
    const f = all();
    expect(f.filter((x) => x.dims.Source === 'sqs').map((x) => [x.name, x.value])).toEqual([
      ['EventsReceived', 3],
      ['ProvisionJobsEnqueued', 1],
      ['ImportJobsEnqueued', 1],
      ['EventsDropped', 1],
      ['QueueWait', 500],
    ]);
    expect(f.find((x) => x.name === 'WebhookRejected' && x.dims.Reason)).toMatchObject({ dims: { Reason: 'unauthorized' }, value: 1 });
    expect(f.filter((x) => x.dims.Queue === 'provision').map((x) => [x.name, x.value])).toEqual([
      ['QueueVisible', 4],
      ['QueueInFlight', 1],
      ['QueueDelayed', 0],
    ]);
  });

  it('survives the log redaction and never breaks the caller on a bad metric', () => {
    registerSecret('a-registered-secret-value');
    const m = new Metrics(logger(), 'provision', 's3od/test');
    m.emit({ Outcome: 'a-registered-secret-value' }, { Jobs: count() });
    expect(all()[0]!.dims.Outcome).toBe('[REDACTED]'); // still a valid EMF line
    expect(() => m.emit({}, { 'not valid': count() })).not.toThrow();
    expect(lines.map((l) => JSON.parse(l).msg)).toContain('metrics line dropped');
  });

  it('takes the namespace from S3OD_METRICS_NAMESPACE when none is fixed', () => {
    const prevNs = process.env.S3OD_METRICS_NAMESPACE;
    process.env.S3OD_METRICS_NAMESPACE = 's3od/prod';
    try {
      new Metrics(logger(), 'provision').emit({}, { Jobs: count() });
      expect(all()[0]!.namespace).toBe('s3od/prod');
    } finally {
      if (prevNs === undefined) delete process.env.S3OD_METRICS_NAMESPACE;
      else process.env.S3OD_METRICS_NAMESPACE = prevNs;
    }
  });
});
