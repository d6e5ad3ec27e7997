import { randomUUID } from 'node:crypto';
import type { ImportJob, ProvisionJob } from '../queue/jobs.ts';
import type { KeyClassifier } from './classify.ts';
import type { ObjectEvent } from './types.ts';

export interface RoutedEvents {
  provision: ProvisionJob[];
  import: ImportJob[];
  /** Events that produce no job, with the reason (logged at debug level). */
  dropped: { key: string; reason: string }[];
  /** Keys that are not safe paths (also in `dropped`): logged as warnings, never mapped to a dataset. */
  refused: { key: string; reason: string }[];
}

/**
 * Decides which job each object event becomes. Duplicates inside one delivery (the same change
 * of the same object version) collapse to one job; duplicates across deliveries are harmless
 * because both consumers are idempotent.
 */
export function routeEvents(events: ObjectEvent[], classifier: KeyClassifier, correlationId: string = randomUUID()): RoutedEvents {
  const out: RoutedEvents = { provision: [], import: [], dropped: [], refused: [] };
  const seen = new Set<string>();
  const now = new Date().toISOString();
  for (const ev of events) {
    const cls = classifier.classify(ev.bucket, ev.key);
    switch (cls.kind) {
      case 'refused':
        out.refused.push({ key: ev.key, reason: cls.reason });
        out.dropped.push({ key: ev.key, reason: `refused: ${cls.reason}` });
        break;
      case 'ignored':
      case 'own':
        out.dropped.push({ key: ev.key, reason: cls.reason });
        break;
      case 'metadata': {
        if (ev.change === 'removed') {
          out.dropped.push({ key: ev.key, reason: 'metadata file removed (the dataset stays provisioned)' });
          break;
        }
        const dedupKey = `provision:${cls.dataset.id}:${ev.etag ?? ev.sequencer ?? ev.eventTime}`;
        if (seen.has(dedupKey)) break;
        seen.add(dedupKey);
        const job: ProvisionJob = {
          type: 'provision',
          dataset: cls.dataset,
          metadataFile: cls.fileName,
          dedupKey,
          correlationId,
          enqueuedAt: now,
          reason: 'event',
        };
        if (ev.etag) job.etag = ev.etag;
        out.provision.push(job);
        break;
      }
      case 'running-marker':
      case 'data': {
        const version = ev.change === 'created' ? (ev.etag ?? ev.sequencer ?? ev.eventTime) : `removed:${ev.sequencer ?? ev.eventTime}`;
        const dedupKey = `import:${cls.dataset.id}:${ev.key}:${version}`;
        if (seen.has(dedupKey)) break;
        seen.add(dedupKey);
        const job: ImportJob = {
          type: 'import',
          dataset: cls.dataset,
          role: cls.kind === 'data' ? 'data' : 'running-marker',
          change: ev.change,
          key: ev.key,
          relPath: cls.kind === 'data' ? cls.relPath : ev.key.slice(cls.dataset.prefix.length + 1),
          eventTime: ev.eventTime,
          dedupKey,
          correlationId,
        };
        if (ev.size !== undefined) job.size = ev.size;
        if (ev.etag) job.etag = ev.etag;
        if (ev.sequencer) job.sequencer = ev.sequencer;
        out.import.push(job);
        break;
      }
    }
  }
  return out;
}
