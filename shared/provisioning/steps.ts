import { hasErrorId, waitUntilProviderSeesSpace, type NamedToken } from '../onedata/index.ts';
import type { Publication } from '../metadata/publication.ts';
import { storageModeFor } from '../storage-modes/index.ts';
import type { ProvisioningOutputs } from '../state/dataset-state.ts';
import type { SagaRun } from './context.ts';
import { PermanentProvisioningError } from './errors.ts';
import { datasetPublication, publishMetadata } from './publish-metadata.ts';
import { STEP } from './step-names.ts';
import { writeAccessInfo } from './access-info-write.ts';
import { createOnce } from './create-once.ts';
import { embargoInForce } from './embargo-gate.ts';
import { REPLICATION_STEPS } from '../lifecycle/replication-steps.ts';
import { PropagationEstimate, type PollOutcome } from './propagation-estimate.ts';

/**
 * The provisioning saga as one readable list of named steps. Each step:
 * - declares what it needs, so independent steps run at the same time (the critical path is
 *   space ∥ storage → support → provider sees the space → share → write-back; the group follows
 *   the space, beside that path);
 * - is idempotent: it is skipped when the record says it completed, and otherwise relies on
 *   Onedata's own guards (idGeneratorSeed, relationAlreadyExists, unique token names) or, where
 *   there is none (storage, group, share), looks for the object before creating it whenever an
 *   earlier attempt may have created it without recording the id;
 * - returns the outputs to record (ids), which the runner hands on to the steps that need them at
 *   once and records with the run's next write (saga.ts). A step never edits the record itself.
 *
 * Step names are persisted in every record (step-names.ts): never rename one.
 */
export interface StepDef {
  /** A STEP name for the production list (the runner itself takes any name: tests, benchmarks). */
  name: string;
  needs: string[];
  /** Skip (and count as done) when false, e.g. JSON metadata when importMetadata is off. */
  enabled?: (run: SagaRun) => boolean;
  /**
   * Start only once every output recorded so far is written to the record: for a step whose effect
   * makes another worker read the record (start-import's listing job needs the provider step saved).
   */
  afterRecorded?: boolean;
  /**
   * When the run stages outputs (runSaga's `staged`): write this step's outputs as soon as it
   * completes, for an effect whose echo must find them (write-back: the event of our own write).
   */
  writeAtOnce?: boolean;
  /** When the run stages outputs: write what is staged as this step starts (a long wait follows). */
  writeBefore?: boolean;
  run: (run: SagaRun) => Promise<StepOutputs>;
}

/** What a step hands to the record: its ids, and (write-back) the metadata file's version after the write. */
export type StepOutputs = Partial<ProvisioningOutputs> & { metadataEtag?: string };

export const PROVISIONING_STEPS: StepDef[] = [
  { name: STEP.createSpace, needs: [], run: createSpace },
  { name: STEP.createStorage, needs: [], run: createStorage },
  // After the space: a group found after a lost answer is adopted only if it is in no space but
  // this dataset's, so the space id must be known (records are written beside the calls: a group
  // may have joined the space before the space's id reached the record).
  { name: STEP.createGroup, needs: [STEP.createSpace], run: createGroup },
  { name: STEP.supportSpace, needs: [STEP.createSpace, STEP.createStorage], run: supportSpace },
  { name: STEP.createInviteToken, needs: [STEP.createGroup], run: createInviteToken },
  { name: STEP.addGroupToSpace, needs: [STEP.createSpace, STEP.createGroup], run: addGroupToSpace },
  { name: STEP.waitForProvider, needs: [STEP.supportSpace], writeBefore: true, run: waitForProvider },
  { name: STEP.createShare, needs: [STEP.waitForProvider], run: createShare },
  // After the share: its description names the share's own file id, known once the share exists.
  // Beside the write-back, not before it.
  { name: STEP.publishMetadata, needs: [STEP.createShare], enabled: publishesAnything, run: publishDatasetMetadata },
  { name: STEP.writeBack, needs: [STEP.createShare, STEP.createInviteToken, STEP.addGroupToSpace], writeAtOnce: true, run: writeBack },
  { name: STEP.startImport, needs: [STEP.waitForProvider], afterRecorded: true, run: startImport },
  // Replication at creation (shared/lifecycle/replication-steps.ts), once the primary serves the space.
  ...REPLICATION_STEPS.map((s) => ({ ...s, needs: [...s.needs, STEP.waitForProvider, STEP.startImport] })),
];

/** The share and its description: run again once an embargo is over (embargo-gate.ts). */
export const SHARE_STEPS: StepDef[] = [
  { ...PROVISIONING_STEPS.find((s) => s.name === STEP.createShare)!, needs: [] },
  PROVISIONING_STEPS.find((s) => s.name === STEP.publishMetadata)!,
];

/** Space id seed: the dataset's identity, so a repeat create answers 409 instead of duplicating. */
export const spaceSeed = (run: SagaRun): string => {
  // After a deletion (docs/lifecycle.md) the dataset is provisioned afresh: a new seed, a new space.
  const g = run.record.state.generation;
  return g ? `s3od:${run.record.state.dataset.id}:${g}` : `s3od:${run.record.state.dataset.id}`;
};

async function createSpace(run: SagaRun): Promise<Partial<ProvisioningOutputs>> {
  const { zone } = run.deps.onedata;
  const groupId = run.deps.config.managerGroupId;
  try {
    return { spaceId: await zone.createSpace({ groupId, name: run.name, idGeneratorSeed: spaceSeed(run) }) };
  } catch (e) {
    if (!hasErrorId(e, 'alreadyExists')) throw e;
  }
  // The seed was used before but the id never recorded (a lost answer, a crash). The server
  // derives the id from the seed internally, so find the space among the manager group's spaces.
  const matches: string[] = [];
  for (const id of await zone.listGroupSpaces(groupId)) {
    const space = await zone.getSpace(id);
    if (space.name === run.name) matches.push(id);
  }
  if (matches.length === 1) return { spaceId: matches[0]! };
  throw new PermanentProvisioningError(
    `Onezone already has a space created for this dataset (idGeneratorSeed ${spaceSeed(run)}) but ${matches.length} spaces named "${run.name}" are in the manager group; record the right space id by hand (s3od status shows the dataset's record)`,
    'spaceAmbiguous',
  );
}

/**
 * Identity, never names, decides what a dataset may adopt after a lost answer. Objects that can
 * carry data of their own are marked with the dataset id when they are created: a storage in its
 * QoS parameters (Onepanel keeps them and returns them on GET), the invite token in its custom
 * metadata. A group cannot carry data, so a group is adopted only if it belongs to no space but
 * this dataset's — and its name is this dataset's alone (shared/state/name-claims.ts).
 */
export const DATASET_MARKER = 's3odDataset';

function datasetMarker(run: SagaRun): Record<string, string> {
  return { [DATASET_MARKER]: run.record.state.dataset.id };
}

function markedFor(run: SagaRun, marks: unknown): boolean {
  return (marks as Record<string, unknown> | undefined)?.[DATASET_MARKER] === run.record.state.dataset.id;
}

async function createStorage(run: SagaRun): Promise<Partial<ProvisioningOutputs>> {
  const { panel } = run.deps.onedata;
  const mode = storageModeFor(run.deps.config);
  const spec = mode.storageSpec({
    config: run.deps.config,
    secrets: run.deps.secrets,
    dataset: run.record.state.dataset,
    name: run.name,
    marks: datasetMarker(run),
  });
  const storageId = await createOnce(
    run,
    'storage',
    async () => {
      for (const id of await panel.listStorages()) {
        const s = await panel.getStorage(id);
        if (markedFor(run, s.qosParameters) && mode.isSamePlace(s, spec)) return id;
      }
      return undefined;
    },
    () => panel.createStorage(spec, { retry: false }),
  );
  return { storageId };
}

async function createGroup(run: SagaRun): Promise<Partial<ProvisioningOutputs>> {
  const { zone } = run.deps.onedata;
  const parent = run.deps.config.userGroupId;
  const groupId = await createOnce(
    run,
    'group',
    async () => {
      const candidates: string[] = [];
      for (const id of await zone.listChildGroups(parent)) {
        if ((await zone.getGroup(id)).name !== run.name) continue;
        // A group already in another space is another dataset's (or someone's), whatever its name.
        const spaces = await zone.listGroupSpaces(id);
        if (spaces.every((sid) => sid === run.outputs.spaceId)) candidates.push(id);
      }
      if (candidates.length > 1) {
        throw new PermanentProvisioningError(
          `${candidates.length} groups named "${run.name}" under the user group could each be this dataset's; record the right group id by hand (s3od status shows the record)`,
          'groupAmbiguous',
        );
      }
      return candidates[0];
    },
    () => zone.createChildGroup(parent, { name: run.name, type: 'team' }, { retry: false }),
  );
  return { groupId };
}

async function supportSpace(run: SagaRun): Promise<Partial<ProvisioningOutputs>> {
  const { zone, panel } = run.deps.onedata;
  const { config } = run.deps;
  const spaceId = run.outputs.spaceId!;
  if (run.mayHaveRunBefore && (await panel.listSupportedSpaces()).includes(spaceId)) return { supported: true };
  const storageImport = storageModeFor(config).supportImport(config);
  try {
    // A short-lived token that only allows supporting this space, used once and never stored.
    const token = await zone.createSupportToken(spaceId, { ttlSeconds: config.onedata.supportTokenTtlSeconds });
    await panel.supportSpace({ token, size: config.implicitSpaceSize, storageId: run.outputs.storageId!, storageImport });
  } catch (e) {
    if (!hasErrorId(e, 'relationAlreadyExists')) throw e;
  }
  return { supported: true };
}

/** Name variants for the invite token: the dataset name, then deterministic suffixes. */
function tokenNames(run: SagaRun): string[] {
  const id = run.record.state.dataset.id;
  return [run.name, `${run.name.slice(0, 45)}_${id.slice(0, 4)}`, `${run.name.slice(0, 40)}_${id.slice(0, 12)}`];
}

function tokenGroupId(t: NamedToken): string | undefined {
  const invite = (t.type as { inviteToken?: { groupId?: string } } | undefined)?.inviteToken;
  return invite?.groupId;
}

async function createInviteToken(run: SagaRun): Promise<Partial<ProvisioningOutputs>> {
  const { zone } = run.deps.onedata;
  const { config } = run.deps;
  const groupId = run.outputs.groupId!;
  const owner = config.serviceUserId;
  const caveats =
    config.inviteToken.validForSeconds > 0 ? [{ type: 'time', validUntil: Math.floor(Date.now() / 1000) + config.inviteToken.validForSeconds }] : [];
  for (const name of tokenNames(run)) {
    try {
      const t = await zone.createGroupInviteToken({
        ownerUserId: owner,
        name,
        groupId,
        usageLimit: config.inviteToken.usageLimit,
        caveats,
        customMetadata: datasetMarker(run),
      });
      run.redaction.hold(t.token);
      return { inviteTokenId: t.tokenId, inviteToken: t.token, inviteTokenName: name };
    } catch (e) {
      if (!hasErrorId(e, 'badValueIdentifierOccupied')) throw e;
    }
    // The name is taken: ours from a lost answer (marked with this dataset, inviting to this
    // dataset's group) is adopted; anything else is not. Tokens created before the mark existed
    // carry no custom metadata: their recorded group, proven ours, is then the proof.
    const existing = await zone.getNamedTokenByName(name, owner);
    const custom = existing?.metadata?.custom;
    const marked = markedFor(run, custom) || custom === undefined || Object.keys(custom).length === 0;
    if (existing && tokenGroupId(existing) === groupId && marked) {
      const full = existing.token ? existing : await zone.getNamedToken(existing.tokenId);
      run.redaction.hold(full.token);
      if (full.token) return { inviteTokenId: full.tokenId, inviteToken: full.token, inviteTokenName: name };
    }
  }
  throw new PermanentProvisioningError(`every invite token name tried for "${run.name}" is taken by other datasets`, 'tokenNameTaken');
}

async function addGroupToSpace(run: SagaRun): Promise<Partial<ProvisioningOutputs>> {
  await run.deps.onedata.zone.addGroupToSpace(run.outputs.spaceId!, run.outputs.groupId!, run.deps.config.spacePrivileges);
  return { member: true };
}

/** When supports become visible at the provider, as this container has seen (propagation-estimate.ts). */
const propagation = new PropagationEstimate();

async function waitForProvider(run: SagaRun): Promise<Partial<ProvisioningOutputs>> {
  const started = Date.now();
  const firstPollAt = propagation.firstPollAtMs();
  const polls: PollOutcome[] = [];
  const { dirId } = await waitUntilProviderSeesSpace(run.deps.onedata, run.outputs.spaceId!, {
    deadlineMs: run.deps.config.onedata.providerWaitSeconds * 1000,
    ...(firstPollAt !== undefined ? { notBefore: started + firstPollAt } : {}),
    // Starts short (the wait is on the critical path), backs off to the configured ceiling so a
    // slow provider is not hammered.
    initialDelayMs: 25,
    maxDelayMs: run.deps.config.onedata.providerPollMaxMs,
    onPoll: (p) => polls.push({ sentMs: p.sentAt - started, answeredMs: p.answeredAt - started, seen: p.seen }),
  });
  propagation.learn(polls);
  return { rootFileId: dirId };
}

/** What this run publishes (JSON metadata, share description), scrubbed of every recorded secret. */
export function publication(run: SagaRun): Publication {
  return datasetPublication(run.deps.config, run.metadata.doc, run.outputs, run.name);
}

/**
 * The public share of the space root — unless an embargo holds it back (embargo-gate.ts): then
 * only the embargo's end is recorded, and our section says until when instead of a PublicURL.
 */
async function createShare(run: SagaRun): Promise<Partial<ProvisioningOutputs>> {
  const embargo = embargoInForce(run);
  if (embargo) {
    run.log.info('public share held back by an embargo', { until: embargo.until.toISOString(), source: embargo.source });
    return { embargoedUntil: embargo.until.toISOString() };
  }
  const { zone, provider } = run.deps.onedata;
  const rootFileId = run.outputs.rootFileId!;
  const shareId = await createOnce(
    run,
    'share',
    async () => {
      // A share's rootFileId is its own public id, not the space's dirId: match by name and type.
      for (const id of await zone.listSpaceShares(run.outputs.spaceId!)) {
        const share = await provider.getShare(id);
        if (share.name === run.name && share.rootFileType === 'DIR') return id;
      }
      return undefined;
    },
    () => provider.createShare({ name: run.name, rootFileId, description: publication(run).shareDescription }, { retry: false }),
  );
  const share = await provider.getShare(shareId);
  // The description it was created with cannot name the share's file id yet: publish-metadata
  // rewrites it once this id is known.
  return { shareId, shareFileId: share.rootFileId, publicUrl: share.publicUrl, embargoedUntil: undefined };
}

/** JSON metadata (with `importMetadata`), the share's description (once there is a share). */
function publishesAnything(run: SagaRun): boolean {
  return run.deps.config.importMetadata || run.outputs.shareId !== undefined;
}

async function publishDatasetMetadata(run: SagaRun): Promise<Partial<ProvisioningOutputs>> {
  // The operator's metadata minus the Onedata section: the invite token must not be published.
  return publishMetadata(run.deps, publication(run), { rootFileId: run.outputs.rootFileId!, shareId: run.outputs.shareId });
}

async function writeBack(run: SagaRun): Promise<StepOutputs> {
  const etag = await writeAccessInfo(run);
  // Our own write's version: its event then finds the dataset current.
  return { writtenBack: true, ...(etag ? { metadataEtag: etag } : {}) };
}

async function startImport(run: SagaRun): Promise<Partial<ProvisioningOutputs>> {
  const { onedata } = run.deps;
  await storageModeFor(run.deps.config).startInitialImport({
    dataset: run.record.state.dataset,
    spaceId: run.outputs.spaceId!,
    forceStartImport: (spaceId) => onedata.panel.forceStartImport(spaceId),
    enqueueListing: (job) => run.deps.enqueueListing(job),
  });
  return { importStarted: true };
}
