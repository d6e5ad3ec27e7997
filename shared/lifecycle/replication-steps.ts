/**
 * The replication steps (issue #14 §1, reference fs2od.md §1.4, onedata-api.md §3.4, §5.1, §10.1):
 * support the space on each chosen secondary Oneprovider on its storage for replicas, then one QoS
 * requirement on the space root (`anyStorage`, `replicasNum` = replicas). They run at the end of
 * the provisioning saga, or on their own (same runner, this list) when a provisioned dataset's file
 * asks for replication later. Following the requirement's fulfilment is the lifecycle pass's job.
 */
import { hasErrorId } from '../onedata/index.ts';
import type { SagaRun } from '../provisioning/context.ts';
import { PermanentProvisioningError } from '../provisioning/errors.ts';
import { createOnce } from '../provisioning/create-once.ts';
import { STEP } from '../provisioning/step-names.ts';
import type { StepDef } from '../provisioning/steps.ts';
import type { ProvisioningOutputs, ReplicaSupport } from '../state/dataset-state.ts';
import { chooseReplicaProviders, ReplicationRequestError, replicationRequest, type ReplicationRequest } from './replication-request.ts';

/** The request of this run's metadata version, or undefined; a bad request fails the step for good. */
export function requestOf(run: SagaRun): ReplicationRequest | undefined {
  try {
    return replicationRequest(run.deps.config, run.metadata.doc);
  } catch (e) {
    if (e instanceof ReplicationRequestError) throw new PermanentProvisioningError(e.message, 'badReplicationRequest');
    throw e;
  }
}

export const wantsReplication = (run: SagaRun): boolean => {
  try {
    return replicationRequest(run.deps.config, run.metadata.doc) !== undefined;
  } catch {
    return true; // let the step report the bad request
  }
};

export const REPLICATION_STEPS: StepDef[] = [
  { name: STEP.supportReplicas, needs: [], enabled: wantsReplication, run: supportReplicas },
  { name: STEP.addQosRequirement, needs: [STEP.supportReplicas], enabled: wantsReplication, run: addQosRequirement },
];

/**
 * One support per chosen secondary (a provider supports a space at most once: `409
 * relationAlreadyExists` from an earlier, unrecorded attempt counts as done), each with a fresh
 * short-lived support token, on the first of the provider's configured `storageIds`.
 */
async function supportReplicas(run: SagaRun): Promise<Partial<ProvisioningOutputs>> {
  const request = requestOf(run)!;
  const providers = run.deps.providers;
  if (!providers) throw new PermanentProvisioningError('replication is requested but this function has no secondary Oneproviders configured', 'noProviders');
  let chosen;
  try {
    chosen = chooseReplicaProviders(request, providers);
  } catch (e) {
    if (e instanceof ReplicationRequestError) throw new PermanentProvisioningError(e.message, 'badReplicationRequest');
    throw e;
  }
  const { config } = run.deps;
  const spaceId = run.outputs.spaceId!;
  const supports: ReplicaSupport[] = [...(run.outputs.replicaSupports ?? [])];
  for (const p of chosen) {
    if (supports.some((s) => s.url === p.url)) continue;
    const storageId = p.storageIds[0];
    if (!storageId) throw new PermanentProvisioningError(`${p.url} has no storageIds for replicas (restAccess.oneproviders)`, 'noReplicaStorage');
    const providerId = (await p.provider.getConfiguration()).providerId;
    const token = await run.deps.onedata.zone.createSupportToken(spaceId, { ttlSeconds: config.onedata.supportTokenTtlSeconds });
    try {
      await p.panel.supportSpace({ token, size: config.dataReplication.supportSize, storageId });
    } catch (e) {
      if (!hasErrorId(e, 'relationAlreadyExists')) throw e;
      run.log.info('the provider already supports the space (an earlier attempt); counted as done', { provider: p.url });
    }
    supports.push({ url: p.url, providerId, storageId, supportedAt: new Date().toISOString() });
  }
  return { replicaSupports: supports };
}

/**
 * The QoS requirement on the space root. Onedata has no guard against a second one, so after a
 * possibly lost answer the requirements already on the root are looked at first: one with our
 * expression and count on this dataset's recorded space root is ours (nothing else creates
 * requirements there).
 */
async function addQosRequirement(run: SagaRun): Promise<Partial<ProvisioningOutputs>> {
  const request = requestOf(run)!;
  const { provider } = run.deps.onedata;
  const fileId = run.outputs.rootFileId!;
  const expression = run.deps.config.dataReplication.qosExpression;
  const replicasNum = request.replicas;
  const qosRequirementId = await createOnce(
    run,
    'QoS requirement',
    async () => {
      for (const id of Object.keys((await provider.getQosSummary(fileId)).requirements ?? {})) {
        const q = await provider.getQosRequirement(id);
        if (q.fileId === fileId && q.expression === expression && q.replicasNum === replicasNum) return id;
      }
      return undefined;
    },
    () => provider.addQosRequirement({ fileId, expression, replicasNum }, { retry: false }),
  );
  return { qosRequirementId, qosExpression: expression, replicasNum };
}
