import { metadataParseSettings } from '../config/metadata-limits.ts';
import type { S3odConfig } from '../config/schema.ts';
import type { ObjectStore } from '../storage/objects.ts';
import type { MetadataError } from './errors.ts';
import { parseMetadata } from './parse.ts';
import type { MetadataDocument } from './types.ts';

/** A metadata file as read from the bucket: parsed, or unreadable with the reason. */
export type MetadataFile =
  | { key: string; etag: string; size: number; ok: true; text: string; doc: MetadataDocument }
  | {
      key: string;
      etag: string;
      size: number;
      ok: false;
      error: MetadataError;
      /** For an EMPTY_DOCUMENT only (blank, comments, `---`): the text, which a separate `.fs2od` may be. */
      text?: string;
    };

/**
 * The one way s3od reads a metadata file (provisioning, its refresh, the write-back's re-read,
 * the freeze): one GET bounded by `limits.metadataMaxBytes`, then the parser with the configured
 * bounds and section names. Undefined when the object does not exist; a file over the size limit
 * throws the store's ObjectTooLargeError (callers decide whether that is bad input). This is the
 * metadata folder's only I/O; everything else in it is pure.
 */
export async function readMetadataFile(
  objects: Pick<ObjectStore, 'get'>,
  config: Pick<S3odConfig, 'limits' | 'metadataFileTags'>,
  key: string,
): Promise<MetadataFile | undefined> {
  const obj = await objects.get(key, config.limits.metadataMaxBytes);
  if (!obj) return undefined;
  const parsed = parseMetadata(obj.body, metadataParseSettings(config));
  const where = { key, etag: obj.etag, size: obj.body.length };
  if (parsed.ok) return { ...where, ok: true, text: parsed.text, doc: parsed.doc };
  return { ...where, ok: false, error: parsed.error, ...(parsed.error.code === 'EMPTY_DOCUMENT' ? { text: obj.body.toString('utf8') } : {}) };
}
