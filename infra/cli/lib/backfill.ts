import { ConfigError } from '../../../shared/config/index.ts';
import type { DatasetRef } from '../../../shared/dataset/ref.ts';
import type { OnedataClient } from '../../../shared/onedata/index.ts';
import type { ProvisionJob } from '../../../shared/queue/jobs.ts';
import { sendJobs } from '../../../shared/queue/sqs-sender.ts';
import { Semaphore } from '../../../shared/retry/index.ts';
import { addHistory, type DatasetStatus, type ProvisioningOutputs } from '../../../shared/state/dataset-state.ts';
import { STATE_PREFIX } from '../../../shared/state/state-store.ts';
import { ObjectTooLargeError, type StoredObject } from '../../../shared/storage/objects.ts';
import type { CliContext } from './context.ts';
import { folderLister, walkDatasetFolders } from './dataset-folders.ts';
import { writeStatusObject } from '../../../shared/state/status-object.ts';
import { adoptInto, awaitingAdoption, findFs2odAccess, lookUpAdoptedSpace, type Fs2odAccess } from './fs2od-adoption.ts';
import { readAllRecords } from './records.ts';
import { provisionJob } from './jobs.ts';

/** What backfill decided for one dataset folder. */
export type FolderVerdict =
  | { kind: 'enqueue'; dataset: DatasetRef; metadataFile: string; etag: string }
  | { kind: 'adopt'; dataset: DatasetRef; metadataFile: string; etag: string; access: Fs2odAccess }
  | { kind: 'provisioned' | 'in-progress' | 'failed' | 'deleted'; dataset: DatasetRef }
  | { kind: 'no-metadata'; dataset: DatasetRef }
  | { kind: 'error'; dataset: DatasetRef; message: string };

export interface BackfillReport {
  folders: number;
  enqueued: { folder: string; metadataFile: string; etag: string }[];
  adopted: { folder: string; spaceId: string; source: string; notes: string[] }[];
  /** Already known to s3od, by status; or no metadata file. */
  skipped: Record<'provisioned' | 'in-progress' | 'failed' | 'deleted' | 'no-metadata' | 'raced', string[]>;
  errors: { folder: string; message: string }[];
}

export interface BackfillOptions {
  prefix?: string | undefined;
  dryRun: boolean;
  /** Folders examined at once. */
  concurrency?: number;
  /** Folders per batch of jobs sent (and records written) together. */
  batchSize?: number;
  onProgress?: (report: BackfillReport) => void;
  /** Notes for the operator (e.g. Onedata not reachable for lookups). */
  onNote?: (text: string) => void;
}

/** Ids of every dataset that has a record: one listing instead of one GET per folder. */
async function recordIds(ctx: CliContext): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const o of ctx.objects().list(STATE_PREFIX)) if ('key' in o && o.key.endsWith('.json')) ids.add(o.key.slice(STATE_PREFIX.length, -'.json'.length));
  return ids;
}

/**
 * Which dataset s3od records each space for (space id → folder). A file that names a space another
 * record holds was copied (or its folder moved): adopting it would give two datasets one space, and
 * `s3od delete` or an expiry of the copy would delete the other's. Read only when there is
 * something to adopt.
 */
async function recordedSpaces(ctx: CliContext): Promise<Map<string, { id: string; prefix: string }>> {
  const held = new Map<string, { id: string; prefix: string }>();
  for (const r of await readAllRecords(ctx.objects())) {
    if (r.outputs?.spaceId && r.status !== 'deleted') held.set(r.outputs.spaceId, { id: r.dataset.id, prefix: r.dataset.prefix });
  }
  return held;
}

/**
 * How a folder s3od has a record of is reported. Only pending and provisioning are in progress: a
 * dataset deleted with `s3od delete` stays deleted (a new upload of its metadata file provisions it
 * afresh), so backfill neither enqueues it nor counts it as work under way.
 */
function knownKind(status: DatasetStatus): 'provisioned' | 'in-progress' | 'failed' | 'deleted' {
  if (status === 'pending' || status === 'provisioning') return 'in-progress';
  return status;
}

async function examine(ctx: CliContext, dataset: DatasetRef, known: Set<string>): Promise<FolderVerdict> {
  try {
    if (known.has(dataset.id)) {
      const rec = await ctx.states().read(dataset.id);
      // Provisioning refused it because its file names fs2od's space: adopting it is backfill's job.
      if (rec && !awaitingAdoption(rec.state)) return { kind: knownKind(rec.state.status), dataset };
    }
    const { config } = ctx;
    for (const fileName of config.metadataFiles) {
      const key = `${dataset.prefix}/${fileName}`;
      let obj: StoredObject | undefined;
      let tooLarge = false;
      try {
        obj = await ctx.objects().get(key, config.limits.metadataMaxBytes);
      } catch (e) {
        // Still the dataset's file: enqueue it, and the saga records why it cannot be used.
        if (!(e instanceof ObjectTooLargeError)) throw e;
        tooLarge = true;
      }
      if (!obj && !tooLarge) continue;
      const etag = obj?.etag ?? (await ctx.objects().head(key))?.etag ?? '';
      const access = obj ? await findFs2odAccess(ctx.objects(), config, dataset, { key, body: obj.body }) : undefined;
      return access ? { kind: 'adopt', dataset, metadataFile: fileName, etag, access } : { kind: 'enqueue', dataset, metadataFile: fileName, etag };
    }
    return { kind: 'no-metadata', dataset };
  } catch (e) {
    return { kind: 'error', dataset, message: (e as Error).message };
  }
}

/**
 * Finds datasets s3od has no record of and either enqueues them (reason "backfill") or adopts
 * them when fs2od already provisioned them. Idempotent: every dataset handled gets a record
 * (pending, or provisioned for an adopted one), and datasets with a record are never enqueued, so
 * a second run finds nothing new. Jobs are sent before their records are written: if the run
 * dies in between, the next run sends them again (a duplicate job is harmless, a lost one is not).
 */
export async function backfill(ctx: CliContext, opts: BackfillOptions): Promise<BackfillReport> {
  const report: BackfillReport = {
    folders: 0,
    enqueued: [],
    adopted: [],
    skipped: { provisioned: [], 'in-progress': [], failed: [], deleted: [], 'no-metadata': [], raced: [] },
    errors: [],
  };
  const known = await recordIds(ctx);
  let held: Map<string, { id: string; prefix: string }> | undefined;
  const limit = new Semaphore(opts.concurrency ?? 8);
  const batchSize = opts.batchSize ?? 100;
  const lookups = adoptionLookups(ctx, opts);
  let batch: DatasetRef[] = [];

  const flush = async (): Promise<void> => {
    const verdicts = await Promise.all(batch.map((d) => limit.run(() => examine(ctx, d, known))));
    batch = [];
    const jobs: ProvisionJob[] = [];
    for (const v of verdicts) {
      report.folders++;
      switch (v.kind) {
        case 'enqueue':
          jobs.push(provisionJob(v.dataset, v.metadataFile, v.etag || undefined, 'backfill'));
          report.enqueued.push({ folder: v.dataset.prefix, metadataFile: v.metadataFile, etag: v.etag });
          break;
        case 'adopt':
          break;
        case 'error':
          report.errors.push({ folder: v.dataset.prefix, message: v.message });
          break;
        default:
          report.skipped[v.kind].push(v.dataset.prefix);
      }
    }
    const adoptions: Extract<FolderVerdict, { kind: 'adopt' }>[] = [];
    for (const v of verdicts) {
      if (v.kind !== 'adopt') continue;
      held ??= await recordedSpaces(ctx);
      // Identity, never the file's word: one space, one dataset (this run's adoptions included).
      const holder = held.get(v.access.space);
      if (holder && holder.id !== v.dataset.id) {
        report.errors.push({
          folder: v.dataset.prefix,
          message: `${v.access.source} names space ${v.access.space}, which s3od records for ${holder.prefix}: a copied file or a moved folder, not adopted. To give this dataset its own space, remove Space from the file's section (and .fs2od) and upload it again`,
        });
        continue;
      }
      held.set(v.access.space, { id: v.dataset.id, prefix: v.dataset.prefix });
      adoptions.push(v);
    }
    if (!opts.dryRun && jobs.length) {
      await sendJobs(ctx.sqs(), ctx.queueUrl('provision'), jobs);
      await Promise.all(
        jobs.map((j) =>
          limit.run(() =>
            ctx.states().update(j.dataset, (s) => {
              // A worker may have started on it already: its record is not ours to touch.
              if (s.attempts > 0 || s.history.length > 0) return false;
              addHistory(s, 'queued by backfill', `s3od backfill, ${j.metadataFile} etag ${j.etag ?? '?'}`);
            }),
          ),
        ),
      );
    }
    const adopted = await Promise.all(
      adoptions.map((a) =>
        limit.run(async () => {
          const found = opts.dryRun ? { outputs: {}, notes: [] as string[] } : await lookups(a.access.space);
          const notes = [...found.notes];
          const zone = ctx.config.restAccess.onezone.host;
          const named = a.access.onezone?.replace(/\/+$/, '');
          if (named && named !== zone && `https://${named}` !== zone) notes.push(`the file names Onezone ${a.access.onezone}, the configuration ${zone}`);
          let written = true;
          if (!opts.dryRun) {
            let refusedBefore = false;
            const saved = await ctx.states().update(a.dataset, (s) => {
              refusedBefore = awaitingAdoption(s);
              written = adoptInto(s, { access: a.access, metadataFile: a.metadataFile, metadataEtag: a.etag, lookup: found.outputs, notes });
              return written;
            });
            // The status object beside the file said why provisioning refused it: now it says provisioned.
            if (written && refusedBefore) await writeStatusObject(ctx.objects(), saved.state);
          }
          return { a, notes, written };
        }),
      ),
    );
    for (const { a, notes, written } of adopted) {
      if (written) report.adopted.push({ folder: a.dataset.prefix, spaceId: a.access.space, source: a.access.source, notes });
      else report.skipped.raced.push(a.dataset.prefix);
    }
    opts.onProgress?.(report);
  };

  for await (const ref of walkDatasetFolders(
    folderLister(ctx.objects()),
    ctx.config.bucket,
    ctx.classifier,
    ctx.config.watchedDirectories,
    opts.prefix ?? '',
  )) {
    batch.push(ref);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return report;
}

/**
 * Looks adopted spaces up in Onedata when a token is configured and Onedata answers; after the
 * first sign that it cannot be reached, stops trying (an operator's backfill must not crawl).
 */
function adoptionLookups(ctx: CliContext, opts: BackfillOptions): (spaceId: string) => Promise<{ outputs: Partial<ProvisioningOutputs>; notes: string[] }> {
  let od: OnedataClient | undefined;
  let disabled = false;
  return async (spaceId) => {
    if (disabled) return { outputs: {}, notes: [] };
    if (!od) {
      try {
        od = ctx.onedata({ retries: 0, timeoutMs: 5000 });
      } catch (e) {
        disabled = true;
        opts.onNote?.(
          `adopting without Onedata lookups: ${e instanceof ConfigError ? e.problems.map((p) => `${p.key} ${p.message}`).join('; ') : (e as Error).message}`,
        );
        return { outputs: {}, notes: [] };
      }
    }
    const found = await lookUpAdoptedSpace(od, spaceId);
    if (found.unreachable) {
      // Lookups run in parallel: several may find out at once; say it once.
      if (!disabled) opts.onNote?.(`adopting without Onedata lookups: ${found.notes.join('; ')}`);
      disabled = true;
      return { outputs: {}, notes: [] };
    }
    return found;
  };
}
