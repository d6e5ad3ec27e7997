import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { S3Client } from '@aws-sdk/client-s3';
import { datasetId } from '../../shared/dataset/ref.ts';
import type { DatasetState } from '../../shared/state/dataset-state.ts';
import { pollUntil } from '../../shared/retry/index.ts';
import { getText, putObject, simState, stackInfo } from './stack-client.ts';

/** The seed document's example metadata file (nested Sample/User sections, a comment). */
export const SAMPLE_METADATA = readFileSync(new URL('../../infra/local/sample-dataset/SPA.yml', import.meta.url), 'utf8');

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}

/** Uploads data files, then the metadata file (the order a microscope writes them in). */
export async function uploadDataset(s3: S3Client, name: string, opts: { files?: number; metadata?: string | Buffer; base?: string } = {}): Promise<string> {
  const prefix = `${opts.base ?? 'datasets'}/${name}`;
  for (let i = 0; i < (opts.files ?? 2); i++) await putObject(s3, `${prefix}/Movies/movie_${i}.tiff`, Buffer.alloc(100 + i, i));
  await putObject(s3, `${prefix}/SPA.yml`, opts.metadata ?? SAMPLE_METADATA);
  return prefix;
}

export async function readState(s3: S3Client, prefix: string): Promise<DatasetState | undefined> {
  try {
    return JSON.parse(await getText(s3, `.s3od/state/${datasetId(stackInfo().bucket, prefix)}.json`)) as DatasetState;
  } catch {
    return undefined;
  }
}

/** Waits until the dataset's record reaches one of the given statuses. */
export async function waitForStatus(s3: S3Client, prefix: string, statuses: DatasetState['status'][], deadlineMs = 60_000): Promise<DatasetState> {
  let last: DatasetState | undefined;
  try {
    return await pollUntil(
      async () => {
        last = await readState(s3, prefix);
        return last && statuses.includes(last.status) && !last.lease ? last : undefined;
      },
      { deadlineMs, initialDelayMs: 100, maxDelayMs: 500, description: `${prefix} to become ${statuses.join('/')}` },
    );
  } catch (e) {
    // Say where it got stuck: a timeout alone tells nothing in a CI log.
    const s = last;
    const where = s
      ? `status ${s.status}, attempts ${s.attempts}, steps ${Object.keys(s.completedSteps).join(',')}, lease ${s.lease ? 'held' : 'free'}, last error ${s.lastError ? `${s.lastError.step}: ${s.lastError.message}` : 'none'}, history ${s.history
          .slice(-4)
          .map((h) => h.event)
          .join(' > ')}`
      : 'no record';
    throw new Error(`${(e as Error).message} — ${where}`, { cause: e });
  }
}

export interface OnedataObjectsOf {
  spaces: any[];
  storages: any[];
  /** Supports on the dataset's own storage (the primary's). */
  supports: any[];
  /** Supports of secondary providers on their storages for replicas (issue #14). */
  replicaSupports: any[];
  /** QoS requirements on the space (replication: at most one). */
  qosRequirements: any[];
  groups: any[];
  tokens: any[];
  shares: any[];
  registrations: any[];
}

/** Everything the simulator holds for one Onedata name (space, group, token, storage, share all carry it). */
export async function onedataObjectsNamed(name: string): Promise<OnedataObjectsOf> {
  const st = await simState();
  const spaces = st.spaces.filter((s: any) => s.name === name);
  const spaceIds = new Set(spaces.map((s: any) => s.id));
  const storageIds = new Set(st.storages.filter((s: any) => s.name === name).map((s: any) => s.id));
  return {
    spaces,
    storages: st.storages.filter((s: any) => s.name === name),
    supports: st.supports.filter((s: any) => spaceIds.has(s.spaceId) && s.removedAtMs === undefined && storageIds.has(s.storageId)),
    replicaSupports: st.supports.filter((s: any) => spaceIds.has(s.spaceId) && s.removedAtMs === undefined && !storageIds.has(s.storageId)),
    qosRequirements: st.qosRequirements.filter((q: any) => spaceIds.has(q.spaceId)),
    groups: st.groups.filter((g: any) => g.name === name),
    tokens: st.tokens.filter((t: any) => t.name === name || t.name.startsWith(`${name.slice(0, 40)}_`)),
    shares: st.shares.filter((s: any) => spaceIds.has(s.spaceId)),
    registrations: st.registrations.filter((r: any) => spaceIds.has(r.spaceId)),
  };
}

/** The keys of the data objects `uploadDataset` writes into a dataset folder. */
export function dataObjectKeys(prefix: string, files: number): string[] {
  return Array.from({ length: files }, (_, i) => `${prefix}/Movies/movie_${i}.tiff`);
}

/** How many of each primary Onedata object a dataset has (the secondaries' supports aside). */
export function countsOf(o: OnedataObjectsOf): Record<string, number> {
  return {
    spaces: o.spaces.length,
    storages: o.storages.length,
    supports: o.supports.length,
    groups: o.groups.length,
    tokens: o.tokens.length,
    shares: o.shares.length,
  };
}

/**
 * Exactly one space, storage, support, group, invite token and share; and, when `dataObjects`
 * (bucket keys) is given, every one of them registered in the space exactly once (one file per
 * object: a registration repeated for the same object is an upsert and stays one file) and
 * nothing else registered.
 */
export function expectExactlyOneOfEach(o: OnedataObjectsOf, opts: { dataObjects?: string[] } = {}): void {
  const counts = countsOf(o);
  // Replication adds supports on secondaries (their shared storages for replicas): never two by one provider.
  const replicaProviders = o.replicaSupports.map((s: any) => s.providerId);
  if (new Set(replicaProviders).size !== replicaProviders.length) throw new Error(`a provider supports the space twice: ${JSON.stringify(replicaProviders)}`);
  if (o.qosRequirements.length > 1) throw new Error(`expected at most one QoS requirement, got ${o.qosRequirements.length}`);
  const expected = { spaces: 1, storages: 1, supports: 1, groups: 1, tokens: 1, shares: 1 };
  if (JSON.stringify(counts) !== JSON.stringify(expected)) throw new Error(`expected exactly one of each Onedata object, got ${JSON.stringify(counts)}`);
  if (opts.dataObjects) {
    const registered = new Map<string, number>();
    for (const r of o.registrations) registered.set(r.storageFileId, (registered.get(r.storageFileId) ?? 0) + 1);
    const want = opts.dataObjects.map((k) => `/${k}`).sort();
    const got = [...registered.keys()].sort();
    const twice = [...registered].filter(([, n]) => n !== 1).map(([k]) => k);
    if (JSON.stringify(got) !== JSON.stringify(want) || twice.length) {
      throw new Error(
        `expected exactly these data objects registered once: ${JSON.stringify(want)}; registered: ${JSON.stringify(Object.fromEntries(registered))}`,
      );
    }
  }
}
