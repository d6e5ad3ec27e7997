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
  /**
   * Per-key ordering hint. Comparable (as zero-padded hex strings) from AWS and MinIO only: Ceph
   * RGW's is the hex of a timestamp's raw little-endian bytes, which does not sort by time. s3od
   * uses it as an identity (dedup and freeze keys), never to order events.
   */
  sequencer?: string;
  eventTime: string;
  producer: EventProducer;
  /** The notification's opaque data (Ceph RGW topic attribute), used as a shared secret. */
  opaqueData?: string;
}
