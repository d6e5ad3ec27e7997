import { LOG_MESSAGES } from '../provisioning/log-messages.ts';
import type { IngestResult } from '../events/ingest.ts';
import type { JobResult } from '../importing/process.ts';
import type { LogFields, Logger } from '../log/index.ts';
import { isOnedataError } from '../onedata/index.ts';
import type { ProvisionOutcome } from '../provisioning/provision-dataset.ts';
import type { AnyImportJob, ProvisionJob } from '../queue/jobs.ts';
import { count, emfDocument, milliseconds, type EmfDocument, type MetricValue } from './emf.ts';

export { count, emfDocument, EmfError, milliseconds, type EmfDocument, type EmfInput, type MetricUnit, type MetricValue } from './emf.ts';

/**
 * s3od's metrics: one EMF line per event worth counting (a job done, a batch, a step, a rejected
 * delivery), written through the function's logger so it is one more JSON log line — redacted,
 * captured by tests, shipped wherever the logs go. CloudWatch turns the lines into metrics in the
 * namespace `S3OD_METRICS_NAMESPACE` (serverless.yml sets `s3od/<stage>`); elsewhere they are
 * log-derived metrics. They are info-level lines: S3OD_LOG_LEVEL=warn or above drops them.
 *
 * Dimensions are kept to low-cardinality values (function, outcome, step, Onedata error id,
 * queue); dataset and correlation id travel as plain properties for log queries.
 * See docs/operations.md "Dashboards" for the list.
 */
export const METRICS_MESSAGE = 'metrics';

export function defaultNamespace(env: NodeJS.ProcessEnv = process.env): string {
  return env.S3OD_METRICS_NAMESPACE || 's3od';
}

/** The fields of an SQS record the metrics read (no Lambda types in shared/). */
export interface QueuedRecordLike {
  attributes?: { SentTimestamp?: string; ApproximateReceiveCount?: string } | undefined;
}

export type IngestSource = 'http' | 'sqs' | 's3';

export class Metrics {
  constructor(
    private readonly logger: Logger,
    readonly fn: string,
    /** Default: S3OD_METRICS_NAMESPACE at the time of each line (the runner sets env after loading). */
    private readonly fixedNamespace?: string,
    private readonly now: () => number = Date.now,
  ) {}

  get namespace(): string {
    return this.fixedNamespace ?? defaultNamespace();
  }

  /** Emits one EMF line. Metrics never break a function: a bad call is logged and dropped. */
  emit(
    dimensions: Record<string, string>,
    metrics: Record<string, MetricValue>,
    opts: { dimensionSets?: string[][]; properties?: LogFields } = {},
  ): EmfDocument | undefined {
    try {
      const doc = emfDocument({
        namespace: this.namespace,
        dimensions: { Function: this.fn, ...dimensions },
        metrics,
        timestamp: this.now(),
        ...(opts.dimensionSets ? { dimensionSets: opts.dimensionSets } : {}),
        ...(opts.properties ? { properties: opts.properties } : {}),
      });
      this.logger.info(METRICS_MESSAGE, doc);
      return doc;
    } catch (e) {
      this.logger.warn('metrics line dropped', { error: e });
      return undefined;
    }
  }

  /** on-object-event: a delivery turned into jobs. */
  ingested(source: IngestSource, r: IngestResult, record?: QueuedRecordLike): void {
    this.emit(
      { Source: source },
      {
        EventsReceived: count(r.events),
        ProvisionJobsEnqueued: count(r.provisionJobs),
        ImportJobsEnqueued: count(r.importJobs),
        EventsDropped: count(r.dropped),
        ...this.queueWait(record),
      },
      { dimensionSets: [['Function'], ['Function', 'Source']] },
    );
  }

  /** on-object-event: a webhook delivery refused (401 unauthenticated, 400 unreadable). */
  webhookRejected(reason: 'unauthorized' | 'malformed'): void {
    this.emit({ Reason: reason }, { WebhookRejected: count() }, { dimensionSets: [['Function'], ['Function', 'Reason']] });
  }

  /**
   * provision: one job finished — with an outcome, or with an error (the job goes back to the
   * queue; `deferred` when another worker holds the dataset's lease).
   */
  provisionJob(p: { job: ProvisionJob; record?: QueuedRecordLike; startedAt: number; outcome?: ProvisionOutcome; error?: unknown }): void {
    const outcome = p.outcome ?? ((p.error as { retryLater?: boolean })?.retryLater ? 'deferred' : 'retry');
    const now = this.now();
    const enqueuedAt = Date.parse(p.job.enqueuedAt);
    const receiveCount = Number(p.record?.attributes?.ApproximateReceiveCount ?? 1);
    this.emit(
      { Outcome: outcome },
      {
        ProvisionJobs: count(),
        DatasetsProvisioned: count(outcome === 'provisioned' ? 1 : 0),
        DatasetsFailed: count(outcome === 'failed' ? 1 : 0),
        JobDuration: milliseconds(now - p.startedAt),
        ...(outcome === 'provisioned' && Number.isFinite(enqueuedAt) ? { ProvisionLatency: milliseconds(now - enqueuedAt) } : {}),
        Redeliveries: count(Number.isFinite(receiveCount) ? Math.max(0, receiveCount - 1) : 0),
        ...this.queueWait(p.record),
      },
      { dimensionSets: [['Function'], ['Function', 'Outcome']], properties: { dataset: p.job.dataset.prefix, correlationId: p.job.correlationId } },
    );
  }

  /** import: one batch processed. Onedata errors of failed jobs are counted by error id. */
  importBatch(p: { jobs: (AnyImportJob | undefined)[]; results: JobResult[]; records?: QueuedRecordLike[]; startedAt: number }): void {
    const byType = new Map<string, { ok: number; failed: number }>();
    let k = 0;
    const errorIds = new Map<string, number>();
    for (const job of p.jobs) {
      const type = job?.type ?? 'unreadable';
      const entry = byType.get(type) ?? { ok: 0, failed: 0 };
      const r = job ? p.results[k++] : undefined;
      if (r && !r.ok) {
        entry.failed++;
        if (isOnedataError(r.error)) errorIds.set(r.error.id, (errorIds.get(r.error.id) ?? 0) + 1);
      } else entry.ok++;
      byType.set(type, entry);
    }
    const waits = (p.records ?? []).map((r) => this.queueWait(r).QueueWait?.value).filter((v): v is number => v !== undefined);
    for (const [type, c] of byType) {
      this.emit(
        { JobType: type },
        { ImportJobs: count(c.ok + c.failed), ImportJobsFailed: count(c.failed) },
        { dimensionSets: [['Function'], ['Function', 'JobType']] },
      );
    }
    this.emit(
      {},
      {
        BatchDuration: milliseconds(this.now() - p.startedAt),
        BatchSize: count(p.jobs.length),
        ...(waits.length ? { QueueWait: milliseconds(Math.max(...waits)) } : {}),
      },
    );
    for (const [id, n] of errorIds) this.onedataError(id, n);
  }

  onedataError(errorId: string, n = 1, step?: string): void {
    this.emit(
      { ErrorId: errorId },
      { OnedataErrors: count(n) },
      { dimensionSets: [['Function'], ['Function', 'ErrorId']], ...(step ? { properties: { step } } : {}) },
    );
  }

  /** A queue's depth, where the poller knows it (the OpenFaaS queue worker; on AWS use AWS/SQS). */
  queueDepth(queue: string, depth: { visible: number; inFlight: number; delayed?: number }): void {
    this.emit(
      { Queue: queue },
      {
        QueueVisible: count(depth.visible),
        QueueInFlight: count(depth.inFlight),
        ...(depth.delayed !== undefined ? { QueueDelayed: count(depth.delayed) } : {}),
      },
      { dimensionSets: [['Function', 'Queue']] },
    );
  }

  /** How long a message waited in the queue before this invocation took it (SQS SentTimestamp). */
  private queueWait(record?: QueuedRecordLike): { QueueWait?: MetricValue } {
    const sent = Number(record?.attributes?.SentTimestamp);
    return Number.isFinite(sent) && sent > 0 ? { QueueWait: milliseconds(this.now() - sent) } : {};
  }

  /**
   * A logger for the provisioning saga that also turns two of its lines into metrics, so the
   * saga stays metrics-free: `step completed` → StepLatency by Step, and the failure lines
   * (`dataset failed`, `provisioning attempt failed`) → OnedataErrors by ErrorId. Children keep
   * the tap (the saga logs through `log.child(...)`).
   */
  instrument(logger: Logger): Logger {
    const tap = (msg: string, fields: LogFields | undefined): void => {
      if (!fields) return;
      if (msg === LOG_MESSAGES.stepCompleted && typeof fields.step === 'string' && typeof fields.durationMs === 'number' && !fields.skipped) {
        this.emit({ Step: fields.step }, { StepLatency: milliseconds(fields.durationMs) }, { dimensionSets: [['Function', 'Step']] });
      } else if (
        (msg === LOG_MESSAGES.datasetFailed || msg === LOG_MESSAGES.attemptFailed) &&
        typeof fields.onedataErrorId === 'string' &&
        fields.onedataErrorId
      ) {
        this.onedataError(fields.onedataErrorId, 1, typeof fields.step === 'string' ? fields.step : undefined);
      }
    };
    const wrap = (inner: Logger): Logger => ({
      debug: (m, f) => inner.debug(m, f),
      info: (m, f) => {
        inner.info(m, f);
        tap(m, f);
      },
      warn: (m, f) => inner.warn(m, f),
      error: (m, f) => {
        inner.error(m, f);
        tap(m, f);
      },
      child: (f) => wrap(inner.child(f)),
    });
    return wrap(logger);
  }
}

/** The metrics of one function, written through its logger. */
export function functionMetrics(fn: string, logger: Logger): Metrics {
  return new Metrics(logger, fn);
}
