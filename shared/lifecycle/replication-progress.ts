/**
 * Where a dataset's replication stands, read from Onedata: the QoS requirement's status and, per
 * secondary provider, the files and bytes its transfers (the ones the requirement started) have
 * replicated so far. Read-only; the lifecycle pass records the result through the dataset's lease.
 */
import { isNotFound, type OneproviderApi, type TransferStatus } from '../onedata/index.ts';
import type { DatasetState, ReplicationProgress } from '../state/dataset-state.ts';
import type { LifecycleProvider } from './providers.ts';

/**
 * The Oneprovider to ask: the primary while it supports the space, else a provider that keeps a
 * replica (after the primary's support is revoked it no longer serves the space).
 */
export function providerToAsk(state: DatasetState, providers: LifecycleProvider[]): OneproviderApi | undefined {
  const primaryGone = state.lifecycle?.expiry?.primaryRevokedAt !== undefined;
  if (!primaryGone) return providers[0]?.provider;
  const urls = new Set((state.outputs.replicaSupports ?? []).map((s) => s.url));
  return providers.find((p) => !p.isPrimary && urls.has(p.url))?.provider;
}

export async function readReplicationProgress(state: DatasetState, provider: OneproviderApi, now: Date): Promise<ReplicationProgress> {
  const o = state.outputs;
  let qosStatus: string;
  try {
    qosStatus = (await provider.getQosRequirement(o.qosRequirementId!)).status;
  } catch (e) {
    // Removed by hand in Onedata: nothing protects the replicas any more; say so, do not guess.
    if (!isNotFound(e)) throw e;
    qosStatus = 'missing';
  }
  const ids = (await Promise.all((['waiting', 'ongoing', 'ended'] as const).map((s) => provider.listSpaceTransfers(o.spaceId!, s)))).flat();
  const transfers = await Promise.all(ids.map((id) => provider.getTransfer(id)));
  const providers = (o.replicaSupports ?? []).map((rs) => {
    const mine = transfers.filter(
      (t: TransferStatus) => t.replicatingProviderId === rs.providerId && t.type !== 'eviction' && t.transferStatus !== 'cancelled',
    );
    const sum = (f: (t: TransferStatus) => number | undefined) => mine.reduce((n, t) => n + (f(t) ?? 0), 0);
    return {
      url: rs.url,
      providerId: rs.providerId,
      filesToProcess: sum((t) => t.filesToProcess),
      filesReplicated: sum((t) => t.filesReplicated),
      bytesReplicated: sum((t) => t.bytesReplicated),
      transfersOngoing: mine.filter((t) => !['completed', 'failed', 'cancelled'].includes(t.transferStatus)).length,
    };
  });
  const previous = state.lifecycle?.replication;
  const completeAt = previous?.completeAt ?? (qosStatus === 'fulfilled' ? now.toISOString() : undefined);
  return { qosStatus, checkedAt: now.toISOString(), ...(completeAt ? { completeAt } : {}), providers };
}
