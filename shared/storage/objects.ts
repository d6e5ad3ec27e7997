import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/**
 * The few S3 operations s3od needs, with conditional writes. Compare-and-swap on an ETag is how
 * state records and metadata write-back stay correct when several workers (or an operator) write
 * at once: a stale writer gets PreconditionFailed and re-reads.
 *
 * Ceph RGW 16.2 rejects `If-Match` with the ETag in quotes (as it returns it) and accepts it
 * without; AWS S3 and MinIO accept the bare form too, so ETags are always sent without quotes.
 */
export class PreconditionFailedError extends Error {
  override name = 'PreconditionFailedError';
}

export class ObjectTooLargeError extends Error {
  override name = 'ObjectTooLargeError';
  constructor(
    readonly key: string,
    readonly size: number,
    readonly limit: number,
  ) {
    super(`${key} is ${size} bytes, more than the limit of ${limit} bytes`);
  }
}

export interface StoredObject {
  body: Buffer;
  etag: string;
  lastModified?: Date;
}

export const bareEtag = (etag: string | undefined): string => (etag ?? '').replace(/"/g, '');

function statusOf(e: unknown): number | undefined {
  return (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}

function isPreconditionFailed(e: unknown): boolean {
  const name = (e as { name?: string })?.name;
  // 409 ConditionalRequestConflict: AWS's answer when a concurrent conditional write is in progress.
  return statusOf(e) === 412 || name === 'PreconditionFailed' || (statusOf(e) === 409 && name === 'ConditionalRequestConflict');
}

export function isNotFound(e: unknown): boolean {
  const name = (e as { name?: string })?.name;
  return statusOf(e) === 404 || name === 'NoSuchKey' || name === 'NotFound';
}

export class ObjectStore {
  constructor(
    readonly s3: S3Client,
    readonly bucket: string,
  ) {}

  /** The object, or undefined when it does not exist. Refuses (before reading) bodies over `maxBytes`. */
  async get(key: string, maxBytes?: number): Promise<StoredObject | undefined> {
    try {
      const res = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (maxBytes !== undefined && (res.ContentLength ?? 0) > maxBytes) {
        (res.Body as { destroy?: () => void } | undefined)?.destroy?.();
        throw new ObjectTooLargeError(key, res.ContentLength ?? 0, maxBytes);
      }
      const body = Buffer.from((await res.Body?.transformToByteArray()) ?? new Uint8Array());
      return { body, etag: bareEtag(res.ETag), ...(res.LastModified ? { lastModified: res.LastModified } : {}) };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async head(key: string): Promise<{ etag: string; size: number } | undefined> {
    try {
      const res = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { etag: bareEtag(res.ETag), size: res.ContentLength ?? 0 };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /**
   * Writes an object. `ifMatch`: only if it still has this ETag; `ifNoneMatch: '*'`: only if it
   * does not exist yet. Throws PreconditionFailedError when the condition does not hold.
   */
  async put(key: string, body: Buffer | string, cond: { ifMatch?: string; ifNoneMatch?: '*' } = {}, contentType?: string): Promise<string> {
    try {
      const res = await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ...(cond.ifMatch ? { IfMatch: bareEtag(cond.ifMatch) } : {}),
          ...(cond.ifNoneMatch ? { IfNoneMatch: cond.ifNoneMatch } : {}),
          ...(contentType ? { ContentType: contentType } : {}),
        }),
      );
      return bareEtag(res.ETag);
    } catch (e) {
      if (isPreconditionFailed(e)) throw new PreconditionFailedError(`${key} changed meanwhile`, { cause: e });
      throw e;
    }
  }

  /** Pages through keys under a prefix; `startAfter` resumes an interrupted walk. */
  async *list(
    prefix: string,
    opts: { startAfter?: string; delimiter?: string } = {},
  ): AsyncGenerator<{ key: string; size: number; etag: string; lastModified?: Date } | { commonPrefix: string }> {
    let token: string | undefined;
    do {
      const res = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ContinuationToken: token,
          ...(token || !opts.startAfter ? {} : { StartAfter: opts.startAfter }),
          ...(opts.delimiter ? { Delimiter: opts.delimiter } : {}),
        }),
      );
      for (const p of res.CommonPrefixes ?? []) if (p.Prefix) yield { commonPrefix: p.Prefix };
      for (const o of res.Contents ?? []) {
        yield { key: o.Key!, size: o.Size ?? 0, etag: bareEtag(o.ETag), ...(o.LastModified ? { lastModified: o.LastModified } : {}) };
      }
      token = res.IsTruncated ? res.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Deletes one object (idempotent: S3 answers 204 for a missing key too). Only the lifecycle's
   * removal from the facility calls it, for keys it has just classified as the dataset's data.
   */
  async delete(key: string): Promise<void> {
    await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}
