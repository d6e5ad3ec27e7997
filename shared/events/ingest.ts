import type { SQSClient } from '@aws-sdk/client-sqs';
import { escapeUnsafe } from '../dataset/key-path.ts';
import type { Logger } from '../log/index.ts';
import { sendJobs } from '../queue/sqs-sender.ts';
import type { KeyClassifier } from './classify.ts';
import { routeEvents } from './route.ts';
import type { ObjectEvent } from './types.ts';

export interface IngestDeps {
  classifier: KeyClassifier;
  sqs: SQSClient;
  queueUrls: { provision: string; import: string };
  log: Logger;
}

export interface IngestResult {
  events: number;
  provisionJobs: number;
  importJobs: number;
  dropped: number;
}

/** Routes normalised object events to the provision and import queues. No Onedata calls here. */
export async function ingestEvents(events: ObjectEvent[], deps: IngestDeps, correlationId?: string): Promise<IngestResult> {
  const routed = routeEvents(events, deps.classifier, correlationId);
  for (const d of routed.dropped) deps.log.debug('event dropped', { key: d.key, reason: d.reason });
  // The key is printed escaped: it may hold control or bidi characters meant to forge a log line.
  for (const r of routed.refused) deps.log.warn('object key refused', { key: escapeUnsafe(r.key), reason: r.reason });
  await Promise.all([
    routed.provision.length ? sendJobs(deps.sqs, deps.queueUrls.provision, routed.provision) : undefined,
    routed.import.length ? sendJobs(deps.sqs, deps.queueUrls.import, routed.import) : undefined,
  ]);
  for (const j of routed.provision) {
    deps.log.info('provision job enqueued', { dataset: j.dataset.prefix, etag: j.etag, correlationId: j.correlationId });
  }
  if (routed.import.length) deps.log.debug('import jobs enqueued', { count: routed.import.length });
  return { events: events.length, provisionJobs: routed.provision.length, importJobs: routed.import.length, dropped: routed.dropped.length };
}
