/** Which S3 implementation produced a notification: it decides how the object key is encoded. */
export type EventProducer = 'aws' | 'minio' | 'ceph' | 'unknown';

/** One object change, whatever bucket notification format it arrived in. */
export interface ObjectEvent {
  bucket: string;
  /** The object key exactly as stored (decoded where the producer URL-encodes it). */
  key: string;
  change: 'created' | 'removed';
  /** Event name without the optional "s3:" prefix, e.g. "ObjectCreated:Put". */
  eventName: string;
  size?: number;
  /** ETag without quotes. */
  etag?: string;
  /** Per-key ordering hint (hex, compare as zero-padded strings). */
  sequencer?: string;
  eventTime: string;
  producer: EventProducer;
  /** The notification's opaque data (Ceph RGW topic attribute), used as a shared secret. */
  opaqueData?: string;
}
