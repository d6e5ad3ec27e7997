import { randomUUID } from 'node:crypto';
import { readMetadataFile } from '../metadata/read-file.ts';
import { datasetPublication, publishMetadata } from '../provisioning/publish-metadata.ts';
import type { ImportFreezeJob } from '../queue/jobs.ts';
import { storageModeFor } from '../storage-modes/index.ts';
import type { ImportDeps } from './context.ts';

/** Onepanel refuses support sizes below 1 MiB. */
export const MIN_SUPPORT_SIZE = 1024 * 1024;

/**
 * The `.running` marker was removed: "freeze" the dataset as fs2od did, once per removal, after a
 * final import pass — but wait for that pass for real (fs2od waited ~20 s and then shrank the
 * support to a partial size):
 * 1. the storage mode's final import pass (posix: a forced scan, polled with delayed jobs until
 *    it ends; s3: a listing of the folder, which comes back here with `scanStarted` set);
 * 2. shrink the support to the occupied size (at least 1 MiB), if configured;
 * 3. refresh the share description and the JSON metadata from the final metadata file.
 */
export async function freezeDataset(deps: ImportDeps, job: ImportFreezeJob): Promise<'frozen' | 'waiting' | 'done-before' | 'not-provisioned'> {
  const { config, onedata } = deps;
  const vs = await deps.states.read(job.dataset.id);
  const s = vs?.state;
  if (!s || s.status !== 'provisioned' || !s.outputs.spaceId) return 'not-provisioned';
  if (s.import.frozenFor === job.freezeKey) return 'done-before';
  const spaceId = s.outputs.spaceId;

  if ((await storageModeFor(config).finalImportPass(deps, job, spaceId)) === 'waiting') return 'waiting';

  // Claim the freeze before acting, so a concurrent duplicate does not act twice.
  let claimed = false;
  await deps.states.update(job.dataset, (st) => {
    claimed = st.import.frozenFor !== job.freezeKey;
    if (!claimed) return false;
    st.import.frozenFor = job.freezeKey;
  });
  if (!claimed) return 'done-before';

  const support = await onedata.panel.getSpaceSupport(spaceId);
  const size = Math.max(MIN_SUPPORT_SIZE, support.spaceOccupancy ?? 0);
  if (config.import.shrinkOnFreeze) await onedata.panel.updateSpaceSupport(spaceId, { size });

  const metaKey = `${job.dataset.prefix}/${s.metadataFile ?? config.metadataFiles[0]}`;
  const file = await readMetadataFile(deps.objects, config, metaKey);
  let published: { publishedMetadataHash?: string } = {};
  if (file?.ok && s.outputs.rootFileId) {
    const publication = datasetPublication(config, file.doc, s.outputs, s.outputs.onedataName ?? job.dataset.name);
    published = await publishMetadata(deps, publication, { rootFileId: s.outputs.rootFileId, shareId: s.outputs.shareId });
  }
  await deps.states.update(job.dataset, (st) => {
    Object.assign(st.outputs, published);
    st.import.growing = false;
    st.import.frozenAt = new Date(deps.now?.() ?? Date.now()).toISOString();
    if (config.import.shrinkOnFreeze) st.import.frozenSize = size;
  });
  deps.log.info('dataset frozen', { dataset: job.dataset.prefix, supportSize: config.import.shrinkOnFreeze ? size : undefined });
  return 'frozen';
}

export function freezeJobFor(dataset: ImportFreezeJob['dataset'], freezeKey: string): ImportFreezeJob {
  return { type: 'import-freeze', dataset, freezeKey, dedupKey: `freeze:${dataset.id}:${freezeKey}`, correlationId: randomUUID() };
}
