/**
 * The deletion saga (issue #14 §3): a dataset's Onedata objects go, in an order Onedata accepts —
 * share, invite token and group first (nothing depends on them), every provider's support, then the
 * space, and the dataset's own storage last (a storage that still supports a space is refused with
 * `storageInUse` until the provider has forgotten the support, reference onedata-api.md §6.2, §C.5).
 *
 * Only ids recorded in the dataset's record are ever touched (never a lookup by name: a name is not
 * an identity), and each step is idempotent — a `404` means already gone — so a crash at any step
 * resumes from the record. The storages for replicas on the secondaries are shared by every dataset
 * and are not the dataset's: only its support on them goes.
 */
import { hasErrorId, isNotFound } from '../onedata/index.ts';
import type { SagaRun } from '../provisioning/context.ts';
import { STEP } from '../provisioning/step-names.ts';
import type { StepDef } from '../provisioning/steps.ts';
import { RETRY_PRESETS, withRetry } from '../retry/index.ts';
import type { ProvisioningOutputs } from '../state/dataset-state.ts';
import { providerToAsk } from './replication-progress.ts';

type Out = Promise<Partial<ProvisioningOutputs>>;

/** Runs a delete; "not found" is the goal reached (an earlier attempt, or gone by other means). */
async function gone(what: () => Promise<unknown>): Promise<void> {
  try {
    await what();
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

export const DELETION_STEPS: StepDef[] = [
  { name: STEP.deleteShare, needs: [], run: deleteShare },
  { name: STEP.deleteInviteToken, needs: [], run: deleteInviteToken },
  { name: STEP.deleteGroup, needs: [], run: deleteGroup },
  // The share is deleted through a provider that serves the space: before the supports go.
  { name: STEP.revokeSupports, needs: [STEP.deleteShare], run: revokeSupports },
  { name: STEP.deleteSpace, needs: [STEP.revokeSupports, STEP.deleteGroup], run: deleteSpace },
  { name: STEP.deleteStorage, needs: [STEP.deleteSpace], run: deleteStorage },
];

/** What a dry run lists, in the saga's order: only what the record holds. */
export function deletionPlan(o: ProvisioningOutputs, primaryRevoked: boolean): { what: string; id: string }[] {
  const plan: { what: string; id: string }[] = [];
  if (o.shareId) plan.push({ what: 'share', id: o.shareId });
  if (o.inviteTokenId) plan.push({ what: 'invite token', id: o.inviteTokenId });
  if (o.groupId) plan.push({ what: 'group', id: o.groupId });
  if (o.spaceId && o.supported && !primaryRevoked) plan.push({ what: 'support of the primary provider', id: o.spaceId });
  for (const r of o.replicaSupports ?? []) plan.push({ what: `support of ${r.url}`, id: r.providerId });
  if (o.spaceId) plan.push({ what: 'space', id: o.spaceId });
  if (o.storageId) plan.push({ what: 'storage (primary provider)', id: o.storageId });
  return plan;
}

async function deleteShare(run: SagaRun): Out {
  const { shareId } = run.outputs;
  const provider = providerToAsk(run.record.state, run.deps.providers ?? []) ?? run.deps.onedata.provider;
  // A provider that no longer serves the space answers 400 spaceNotSupportedBy: the space's deletion takes the share along then.
  if (shareId) {
    await gone(() => provider.deleteShare(shareId)).catch((e) => {
      if (!hasErrorId(e, 'spaceNotSupportedBy', 'userNotSupported')) throw e;
    });
  }
  return {};
}

async function deleteInviteToken(run: SagaRun): Out {
  const id = run.outputs.inviteTokenId;
  if (id) await gone(() => run.deps.onedata.zone.deleteNamedToken(id));
  return {};
}

async function deleteGroup(run: SagaRun): Out {
  const id = run.outputs.groupId;
  if (id) await gone(() => run.deps.onedata.zone.deleteGroup(id));
  return {};
}

/** Every provider's support recorded for the dataset: the primary's (unless expiry revoked it) and each replica's. */
async function revokeSupports(run: SagaRun): Out {
  const spaceId = run.outputs.spaceId;
  if (!spaceId) return {};
  const providers = run.deps.providers ?? [];
  const panels = [];
  if (run.outputs.supported && !run.record.state.lifecycle?.expiry?.primaryRevokedAt)
    panels.push(providers.find((p) => p.isPrimary)?.panel ?? run.deps.onedata.panel);
  for (const r of run.outputs.replicaSupports ?? []) {
    const p = providers.find((x) => x.url === r.url);
    // A provider no longer configured: Onezone ends its support (it learns later).
    if (p) panels.push(p.panel);
    else
      await gone(() => run.deps.onedata.zone.removeSpaceSupport(spaceId, r.providerId)).catch((e) => {
        if (!hasErrorId(e, 'relationDoesNotExist')) throw e;
      });
  }
  for (const panel of panels) await gone(() => panel.revokeSupport(spaceId));
  return {};
}

async function deleteSpace(run: SagaRun): Out {
  const id = run.outputs.spaceId;
  if (id) await gone(() => run.deps.onedata.zone.deleteSpace(id));
  return {};
}

async function deleteStorage(run: SagaRun): Out {
  const id = run.outputs.storageId;
  if (!id) return {};
  const panel = (run.deps.providers ?? []).find((p) => p.isPrimary)?.panel ?? run.deps.onedata.panel;
  await withRetry(() => gone(() => panel.deleteStorage(id)), {
    ...RETRY_PRESETS.providerForgets,
    // The provider still knows the revoked support or the deleted space for a moment.
    isRetryable: (e) => hasErrorId(e, 'storageInUse'),
  });
  return {};
}
