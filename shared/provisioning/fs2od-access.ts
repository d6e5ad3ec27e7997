import { metadataParseSettings, type MetadataParseSettings, type S3odConfig } from '../config/index.ts';
import type { DatasetRef } from '../dataset/ref.ts';
import { parseMetadata, readAccessInfo, type AccessInfo, type MetadataDocument } from '../metadata/index.ts';
import type { DatasetState } from '../state/dataset-state.ts';
import { ObjectTooLargeError, type ObjectStore } from '../storage/objects.ts';
import { PermanentProvisioningError } from './errors.ts';

/** Access information fs2od wrote for a dataset it provisioned, and where it was found. */
export interface Fs2odAccess extends AccessInfo {
  space: string;
  /** The object it was read from (the metadata file or `.fs2od`). */
  source: string;
}

/** The failure code of a dataset refused because its file already names a space s3od did not create. */
export const FS2OD_PROVISIONED = 'FS2OD_PROVISIONED';

/**
 * fs2od's mark of a provisioned dataset: a non-empty `Space` in the configured section of the
 * metadata file, or — with `fs2odMetadataFile.storeAccessInfo` — in the `.fs2od` object beside it.
 * Undefined when neither has one (a dataset s3od has to provision). `metadata.doc` is the file
 * already parsed, when the caller has it; otherwise its bytes are parsed here.
 */
export async function findFs2odAccess(
  objects: Pick<ObjectStore, 'get'>,
  config: S3odConfig,
  dataset: DatasetRef,
  metadata: { key: string; body?: Buffer; doc?: MetadataDocument },
): Promise<Fs2odAccess | undefined> {
  const opts = metadataParseSettings(config);
  const fromMetadata = metadata.doc ? readAccessInfo(metadata.doc, opts.tags) : metadata.body ? accessIn(metadata.body, opts) : undefined;
  if (fromMetadata?.space) return { ...fromMetadata, space: fromMetadata.space, source: metadata.key };
  if (config.fs2odMetadataFile.storeAccessInfo) {
    const key = `${dataset.prefix}/${config.fs2odMetadataFile.filename}`;
    // A missing object reads as undefined; any other failure is thrown: taken for "no Space", it
    // would let s3od create a new space and write over the token and URL `.fs2od` gives the users.
    const obj = await objects.get(key, config.limits.metadataMaxBytes);
    const fromFile = obj ? accessIn(obj.body, opts) : undefined;
    if (fromFile?.space) return { ...fromFile, space: fromFile.space, source: key };
  }
  return undefined;
}

function accessIn(body: Buffer, opts: MetadataParseSettings): AccessInfo | undefined {
  // An unreadable file is not evidence of anything: the saga will reject it with a reason.
  const parsed = parseMetadata(body, opts);
  return parsed.ok ? readAccessInfo(parsed.doc, opts.tags) : undefined;
}

/**
 * Whether s3od has ever provisioned the dataset: a space recorded, a provisioning finished, or
 * its objects deleted with `s3od delete` (whose file may still name the deleted space).
 */
export function provisionedByS3odBefore(s: DatasetState): boolean {
  return s.outputs.spaceId !== undefined || s.provisionedAt !== undefined || s.status === 'deleted' || (s.generation ?? 0) > 0;
}

/** A record that provisioning refused as fs2od's, which `s3od backfill` may still adopt. */
export function awaitingAdoption(s: DatasetState): boolean {
  return s.status === 'failed' && s.lastError?.code === FS2OD_PROVISIONED && !provisionedByS3odBefore(s);
}

/**
 * A dataset s3od never provisioned whose file already names a space: fs2od provisioned it (its
 * users hold that space's invite token and public URL), or the file was copied from another
 * dataset. Either way a new space must not silently replace what the file says, nor may s3od take
 * the named space over on the file's word alone (a copied file names another dataset's space): the
 * dataset fails for good, before any Onedata call, with what to do. `s3od backfill` adopts it.
 */
export async function refuseFs2odProvisioned(
  deps: { objects: Pick<ObjectStore, 'get'>; config: S3odConfig },
  record: DatasetState,
  metadata: { key: string; fileName: string; doc: MetadataDocument },
): Promise<void> {
  if (provisionedByS3odBefore(record)) return;
  let found: Fs2odAccess | undefined;
  try {
    found = await findFs2odAccess(deps.objects, deps.config, record.dataset, metadata);
  } catch (e) {
    if (e instanceof ObjectTooLargeError) {
      throw new PermanentProvisioningError(
        `${deps.config.fs2odMetadataFile.filename} is ${e.size} bytes, more than the limit of ${e.limit} bytes (limits.metadataMaxBytes)`,
        'TOO_LARGE',
      );
    }
    throw e; // transient: the job comes back
  }
  if (!found) return;
  const section = deps.config.metadataFileTags.onedata;
  const inFile = found.source === metadata.key;
  const fileName = found.source.slice(found.source.lastIndexOf('/') + 1);
  const newSpace = inFile
    ? `remove Space from the ${section} section of ${metadata.fileName} and upload it again`
    : `remove Space from ${fileName}, then upload ${metadata.fileName} again (or run \`s3od retry\`)`;
  throw new PermanentProvisioningError(
    `${inFile ? metadata.fileName : `${fileName} beside ${metadata.fileName}`} already names Onedata space ${found.space}, which s3od did not create. ` +
      `If fs2od provisioned this dataset, \`s3od backfill\` adopts that space; if the file was copied from another dataset (or its folder moved), ${newSpace} to give it a space of its own`,
    FS2OD_PROVISIONED,
  );
}
