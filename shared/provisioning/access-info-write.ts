import { metadataParseSettings } from '../config/metadata-limits.ts';
import { MetadataWriteError, renderAccessInfoFile, upsertAccessInfo, type AccessInfoValues } from '../metadata/index.ts';
import { readMetadataFile, type MetadataFile } from '../metadata/read-file.ts';
import { RETRY_PRESETS, withRetry } from '../retry/index.ts';
import { PreconditionFailedError } from '../storage/objects.ts';
import { storageModeFor } from '../storage-modes/index.ts';
import { embargoNotice } from '../lifecycle/embargo.ts';
import type { SagaRun } from './context.ts';
import { PermanentProvisioningError } from './errors.ts';

export { WITHHELD_INVITE_TOKEN } from '../storage-modes/index.ts';

/**
 * The invite token as written into files in the dataset's folder: a mode that imports the folder
 * into the (publicly shared) space keeps it out unless the operator opted in.
 */
export function writtenInviteToken(config: SagaRun['deps']['config'], recorded: string | undefined): string | undefined {
  return storageModeFor(config).inviteTokenInFolder(config, recorded);
}

export function accessInfoValues(run: SagaRun): AccessInfoValues {
  return recordedAccessInfoValues(run.deps.config, run.outputs);
}

/**
 * The four access values as recorded for a dataset (what the write-back wrote, or writes). While
 * an embargo holds the share back, `PublicURL` says until when instead (shared/lifecycle/embargo.ts).
 */
export function recordedAccessInfoValues(
  config: SagaRun['deps']['config'],
  o: Pick<SagaRun['outputs'], 'spaceId' | 'inviteToken' | 'publicUrl' | 'embargoedUntil'>,
): AccessInfoValues {
  return {
    onezone: config.restAccess.onezone.host,
    space: o.spaceId!,
    inviteToken: writtenInviteToken(config, o.inviteToken)!,
    publicURL: o.publicUrl ?? (o.embargoedUntil ? embargoNotice(o.embargoedUntil) : undefined)!,
  };
}

/** Where the access information goes: the metadata file, or fs2od's separate `.fs2od` object. */
export function accessInfoKey(run: Pick<SagaRun, 'deps' | 'metadata' | 'record'>): string {
  return sectionFileKey(run.deps.config, run.record.state.dataset.prefix, run.metadata.key);
}

/** The object that holds our section for a dataset: `metadataKey`, or fs2od's `.fs2od` beside it. */
export function sectionFileKey(config: SagaRun['deps']['config'], prefix: string, metadataKey: string): string {
  const f = config.fs2odMetadataFile;
  return f.storeAccessInfo ? `${prefix}/${f.filename}` : metadataKey;
}

/**
 * The conditional object write behind the saga's `write-back` step (the text edit itself is
 * shared/metadata/section-edit.ts).
 *
 * Writes the access information into the object, changing nothing but our section, with a
 * compare-and-swap on the ETag read: if the operator (or anyone) wrote the file meanwhile, the PUT
 * fails, and the new version is read, merged and written again — their edit is never lost.
 * Returns the ETag of the metadata file after the write (undefined when access info went to
 * `.fs2od`, which does not change the metadata file).
 */
export async function writeAccessInfo(run: SagaRun): Promise<string | undefined> {
  const key = accessInfoKey(run);
  const separate = key !== run.metadata.key;
  // First try with the version read at the start of the run (saves a GET on the critical path);
  // if the operator changed the file since, the conditional PUT fails and the loop re-reads it.
  const m = run.metadata;
  const known: MetadataFile | undefined = separate ? undefined : { key, etag: m.etag, size: Buffer.byteLength(m.text), ok: true, text: m.text, doc: m.doc };
  const r = await writeSection({ objects: run.deps.objects, config: run.deps.config, log: run.log }, key, separate, accessInfoValues(run), known);
  return r.etag;
}

export interface SectionWriteResult {
  /** ETag of the metadata file after the write; undefined for a separate `.fs2od`. */
  etag?: string;
  /** False when the file already said exactly this (nothing was written). */
  written: boolean;
}

/**
 * The conditional write of our section's values into `key` (the metadata file, or the separate
 * `.fs2od` when `separate`): read (or use `known`), edit surgically, PUT with `If-Match` on the
 * ETag read; a 412 re-reads, re-merges and tries again. `values.replicas` (the lifecycle pass's
 * "every replica complete" line) is written only when given; the write-back never gives it.
 */
export async function writeSection(
  deps: Pick<SagaRun['deps'], 'objects' | 'config' | 'log'>,
  key: string,
  separate: boolean,
  values: AccessInfoValues,
  firstRead?: MetadataFile,
): Promise<SectionWriteResult> {
  const { objects, config } = deps;
  const tags = config.metadataFileTags;
  let known = firstRead;
  return withRetry(
    async () => {
      const cur = known ?? (await readMetadataFile(objects, config, key));
      known = undefined;
      if (!cur) {
        if (!separate) throw new PermanentProvisioningError(`${key} was deleted during provisioning; upload it again`, 'metadataGone');
        await objects.put(key, renderAccessInfoFile(tags, values), { ifNoneMatch: '*' }, 'text/yaml; charset=utf-8');
        return { written: true };
      }
      // An empty .fs2od is fine (fs2od created them empty; one holding only blank lines, comments or
      // `---` is as empty); an unreadable file is never overwritten.
      let text: string;
      if (cur.size === 0 && separate) text = '';
      else if (cur.ok) text = cur.text;
      else if (separate && cur.error.code === 'EMPTY_DOCUMENT' && cur.text !== undefined) text = cur.text;
      else
        throw new PermanentProvisioningError(`${key} became unreadable during provisioning (${cur.error.message}); fix it and upload it again`, cur.error.code);
      let next: string;
      try {
        next = upsertAccessInfo(text, tags, values, { limits: metadataParseSettings(config), allowEmpty: separate });
      } catch (e) {
        if (e instanceof MetadataWriteError)
          throw new PermanentProvisioningError(`cannot write the access information into ${key}: ${e.message}`, e.code, { cause: e });
        throw e;
      }
      if (next === text) return { written: false, ...(separate ? {} : { etag: cur.etag }) };
      const etag = await objects.put(key, Buffer.from(next, 'utf8'), { ifMatch: cur.etag }, 'text/yaml; charset=utf-8');
      deps.log.info(values.replicas === undefined ? 'access information written back' : 'replication line written into our section', { key });
      return { written: true, ...(separate ? {} : { etag }) };
    },
    { ...RETRY_PRESETS.operatorFileCas, isRetryable: (e) => e instanceof PreconditionFailedError },
  );
}
