/**
 * The "every replica is complete" line in our section of the metadata file (issue #14: visible where
 * people look): `Replicas: 2 copies complete (2026-12-04)` under the configured
 * `metadataFileTags.replicas`. Written once, by the lifecycle pass, the first time it sees the
 * dataset's replication complete, through the same conditional write as the access information
 * (re-read and merge on 412; only our section changes; the same file and the same values rules as
 * the write-back, e.g. `.fs2od` with `storeAccessInfo`, the withheld token in posix mode).
 */
import type { S3odConfig } from '../config/schema.ts';
import type { Logger } from '../log/index.ts';
import { recordedAccessInfoValues, sectionFileKey, writeSection } from '../provisioning/access-info-write.ts';
import type { DatasetLease } from '../state/dataset-lease.ts';
import { addHistory } from '../state/dataset-state.ts';
import type { ObjectStore } from '../storage/objects.ts';

/** The line's value: copies in all (the facility's included) and the day replication completed (UTC). */
export function replicationLine(replicasNum: number, completeAt: string): string {
  return `${replicasNum} ${replicasNum === 1 ? 'copy' : 'copies'} complete (${completeAt.slice(0, 10)})`;
}

/**
 * Once the record says every replica is complete and the line was not noted yet: write it (or find
 * it already there, after a crash between the write and the record) and note that in the record
 * through the lease. A file that cannot take it is logged and tried again by the next pass.
 */
export async function noteReplicationInFile(
  deps: { config: S3odConfig; objects: ObjectStore; log: Logger; now: () => Date },
  lease: DatasetLease,
): Promise<'written' | 'present' | 'skipped'> {
  const s0 = lease.record;
  const progress = s0.lifecycle?.replication;
  const o = s0.outputs;
  if (!progress?.completeAt || progress.notedInFileAt) return 'skipped';
  if (!s0.metadataFile || s0.lifecycle?.metadataRemovedAt || !o.replicasNum || !o.spaceId || !o.publicUrl) return 'skipped';
  const metadataKey = `${s0.dataset.prefix}/${s0.metadataFile}`;
  const key = sectionFileKey(deps.config, s0.dataset.prefix, metadataKey);
  const line = replicationLine(o.replicasNum, progress.completeAt);
  const log = deps.log.child({ dataset: s0.dataset.prefix });
  let result;
  try {
    result = await writeSection({ ...deps, log }, key, key !== metadataKey, { ...recordedAccessInfoValues(deps.config, o), replicas: line });
  } catch (e) {
    log.warn('the replication line could not be written into the metadata file; the next lifecycle pass tries again', { key, error: e });
    return 'skipped';
  }
  const now = deps.now();
  lease.stage((s) => {
    s.lifecycle!.replication = { ...s.lifecycle!.replication!, notedInFileAt: now.toISOString() };
    // Our own write: its event is then the cheap "already done" exit of the provisioning job.
    if (result.written && result.etag) s.metadataEtag = result.etag;
    if (result.written) addHistory(s, 'replication line written', `${key}: ${line}`, now);
  });
  return result.written ? 'written' : 'present';
}
