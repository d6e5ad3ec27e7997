import type { EventProducer, ObjectEvent } from './types.ts';

/**
 * Turns any bucket notification payload into ObjectEvents:
 * - S3 event `{Records:[…]}` from AWS (`aws:s3`), MinIO (`minio:s3`) or Ceph RGW (`ceph:s3`);
 * - a MinIO webhook body `{EventName, Key, Records:[…]}` (the envelope is ignored: Records say it all);
 * - SQS-wrapped (`aws:sqs` records whose body is one of these) and SNS-wrapped (`Message`) payloads
 *   (an SNS fan-out the operator builds: serverless.yml's Events queue policy admits only S3, so
 *   S3 → SNS → SQS needs a statement for the topic added to it);
 * - the `s3:TestEvent` AWS sends when a notification is configured (no events).
 * Records that are not object-created/removed (e.g. ObjectAccessed) are dropped. A record that
 * cannot be understood throws NotificationFormatError: the caller rejects the delivery visibly.
 */
export class NotificationFormatError extends Error {
  override name = 'NotificationFormatError';
}

// Notification records of three vendors, read field by field and checked as they are read.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Rec = Record<string, any>;

export function normalizeNotification(payload: unknown): ObjectEvent[] {
  return readNotification(payload).events;
}

/** A delivery read: its object changes, and the opaqueData of every S3 record in it. */
export interface ReadNotification {
  events: ObjectEvent[];
  /**
   * One entry per S3 record, kept or dropped (RGW copies its topic's OpaqueData into every record,
   * e.g. an ObjectLifecycle or ObjectSynced one s3od ignores): the webhook authenticates on these,
   * so a valid delivery of only ignored records is accepted with nothing to do, not refused.
   */
  opaqueData: (string | undefined)[];
}

export function readNotification(payload: unknown): ReadNotification {
  const out: ReadNotification = { events: [], opaqueData: [] };
  collect(payload, out, 0);
  return out;
}

function collect(payload: unknown, out: ReadNotification, depth: number): void {
  if (depth > 4) throw new NotificationFormatError('notification nested too deeply');
  if (typeof payload === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      throw new NotificationFormatError('notification body is not JSON');
    }
    collect(parsed, out, depth + 1);
    return;
  }
  if (payload === null || typeof payload !== 'object') throw new NotificationFormatError('notification is not a JSON object');
  const p = payload as Rec;
  if (p.Event === 's3:TestEvent' || p.Event === 'TestEvent') return;
  if (p.Type === 'Notification' && typeof p.Message === 'string') return collect(p.Message, out, depth + 1);
  if (!Array.isArray(p.Records)) throw new NotificationFormatError('notification has no Records list');
  for (const r of p.Records as unknown[]) {
    if (r === null || typeof r !== 'object') throw new NotificationFormatError('a record is not an object');
    const rec = r as Rec;
    if (rec.eventSource === 'aws:sqs') {
      collect(rec.body, out, depth + 1);
      continue;
    }
    if (rec.EventSource === 'aws:sns' && rec.Sns) {
      collect(rec.Sns.Message, out, depth + 1);
      continue;
    }
    out.opaqueData.push(typeof rec.opaqueData === 'string' ? rec.opaqueData : undefined);
    const ev = fromS3Record(rec);
    if (ev) out.events.push(ev);
  }
}

function producerOf(source: unknown): EventProducer {
  switch (source) {
    case 'aws:s3':
      return 'aws';
    case 'minio:s3':
      return 'minio';
    case 'ceph:s3':
      return 'ceph';
    default:
      return 'unknown';
  }
}

/**
 * AWS and MinIO send keys form-URL-encoded (space → "+", "+" → "%2B"; MinIO also "/" → "%2F");
 * Ceph RGW sends the raw key, where "+" is a real plus. Unknown producers are taken as raw: a
 * wrong guess there would corrupt every key containing "+" or "%".
 */
export function decodeKey(key: string, producer: EventProducer): string {
  if (producer !== 'aws' && producer !== 'minio') return key;
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    throw new NotificationFormatError(`object key is not valid URL encoding: ${JSON.stringify(key.slice(0, 200))}`);
  }
}

function fromS3Record(rec: Rec): ObjectEvent | undefined {
  const producer = producerOf(rec.eventSource);
  const rawName = typeof rec.eventName === 'string' ? rec.eventName : '';
  const eventName = rawName.replace(/^s3:/, '');
  let change: ObjectEvent['change'];
  if (eventName.startsWith('ObjectCreated:')) change = 'created';
  else if (eventName.startsWith('ObjectRemoved:')) change = 'removed';
  else if (rawName) return undefined;
  else throw new NotificationFormatError('record has no eventName');
  const s3 = rec.s3 as Rec | undefined;
  const bucket = s3?.bucket?.name;
  const rawKey = s3?.object?.key;
  if (typeof bucket !== 'string' || !bucket) throw new NotificationFormatError('record has no s3.bucket.name');
  if (typeof rawKey !== 'string' || !rawKey) throw new NotificationFormatError('record has no s3.object.key');
  const obj = s3!.object as Rec;
  // Older RGW releases spell it "etag" and send size as a string: read defensively.
  const etagRaw = obj.eTag ?? obj.etag;
  const sizeRaw = obj.size;
  const size = typeof sizeRaw === 'number' ? sizeRaw : typeof sizeRaw === 'string' && /^\d+$/.test(sizeRaw) ? Number(sizeRaw) : undefined;
  const ev: ObjectEvent = {
    bucket,
    key: decodeKey(rawKey, producer),
    change,
    eventName,
    eventTime: typeof rec.eventTime === 'string' ? rec.eventTime : new Date().toISOString(),
    producer,
  };
  if (size !== undefined) ev.size = size;
  if (typeof etagRaw === 'string' && etagRaw) ev.etag = etagRaw.replace(/"/g, '');
  if (typeof obj.sequencer === 'string' && obj.sequencer) ev.sequencer = obj.sequencer;
  if (typeof rec.opaqueData === 'string') ev.opaqueData = rec.opaqueData;
  return ev;
}
