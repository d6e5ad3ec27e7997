/**
 * The one way s3od revokes the facility's (primary) support of a dataset's space: only once every
 * file has its replicas elsewhere, checked against Onedata right before the call — never from the
 * record alone, which may be stale. The spec warns that ceasing a support loses data that was not
 * replicated (reference onedata-api.md §3.4, §5.3: the REST revocation is immediate and unsafe).
 */
import { isNotFound, type OnedataClient } from '../onedata/index.ts';
import type { DatasetState } from '../state/dataset-state.ts';
import type { LifecycleProvider } from './providers.ts';

export class NotReplicatedElsewhereError extends Error {
  override name = 'NotReplicatedElsewhereError';
}

/** Throws NotReplicatedElsewhereError saying what is missing; returns when revoking loses nothing. */
export async function assertReplicatedElsewhere(state: DatasetState, onedata: OnedataClient): Promise<void> {
  const o = state.outputs;
  const replicas = o.replicaSupports ?? [];
  if (!o.qosRequirementId || !o.replicasNum || o.replicasNum < 2 || replicas.length === 0) {
    throw new NotReplicatedElsewhereError('no replica on another provider was requested for this dataset; the facility keeps its copy');
  }
  const q = await onedata.provider.getQosRequirement(o.qosRequirementId);
  if (q.status !== 'fulfilled') throw new NotReplicatedElsewhereError(`the QoS requirement is ${q.status}: not every file has its replicas yet`);
  const supporting = new Set(await onedata.zone.listSpaceProviders(o.spaceId!));
  const kept = replicas.filter((r) => supporting.has(r.providerId));
  if (kept.length < o.replicasNum - 1) {
    throw new NotReplicatedElsewhereError(`only ${kept.length} of the ${o.replicasNum - 1} providers keeping replicas still support the space`);
  }
}

/** Checks, then revokes (404: already revoked). Throws NotReplicatedElsewhereError and revokes nothing when unsafe. */
export async function revokePrimarySupport(state: DatasetState, onedata: OnedataClient, providers: LifecycleProvider[]): Promise<void> {
  await assertReplicatedElsewhere(state, onedata);
  const primary = providers.find((p) => p.isPrimary) ?? { panel: onedata.panel };
  try {
    await primary.panel.revokeSupport(state.outputs.spaceId!);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}
