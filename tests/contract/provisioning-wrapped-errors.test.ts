/**
 * The provisioning steps that meet Onepanel's wrapped errors, run with the real client against the
 * simulator (which wraps them as Onepanel does): a repeated support — its first answer lost, so the
 * step sends it again — is recognised as done; a force-start while the first scan runs is
 * "already running"; a support validation error fails the dataset at once.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/index.ts';
import { datasetRef } from '../../shared/dataset/ref.ts';
import { createLogger, SecretScope } from '../../shared/log/index.ts';
import type { OnedataClient } from '../../shared/onedata/index.ts';
import type { SagaRun } from '../../shared/provisioning/context.ts';
import { isPermanentFailure } from '../../shared/provisioning/errors.ts';
import { PROVISIONING_STEPS } from '../../shared/provisioning/steps.ts';
import { newDatasetState } from '../../shared/state/dataset-state.ts';
import { failure, posixSpec, uniqueName, useSim } from './onedata-sim-fixture.ts';

const ctx = useSim();

function runFor(od: OnedataClient, outputs: { spaceId: string; storageId: string }): SagaRun {
  const { sim } = ctx;
  const config = parseConfig(`
bucket: facility
watchedDirectories: [datasets]
institutionName: Test Facility
managerGroupId: ${sim.info.managerGroupId}
userGroupId: ${sim.info.userGroupId}
serviceUserId: ${sim.info.serviceUserId}
storageMode: posix
posixStorage: { mountRoot: /volumes/facility }
restAccess: { onezone: { host: ${sim.url} }, oneproviders: [{ host: ${sim.url} }] }
`);
  const state = newDatasetState(datasetRef('facility', 'datasets', 'Run1'));
  Object.assign(state.outputs, outputs);
  return {
    deps: {
      config,
      secrets: { onezoneToken: sim.info.token, oneproviderToken: sim.info.token },
      onedata: od,
      objects: {} as never,
      states: {} as never,
      enqueueListing: async () => undefined,
      log: createLogger({ test: true }),
    },
    record: { state, etag: 'e' },
    metadata: { key: 'datasets/Run1/SPA.yml', fileName: 'SPA.yml', etag: 'm', text: 'A: 1\n', doc: { A: 1 } },
    name: 'Run1',
    // The step does not know the earlier support happened (its answer was lost before being recorded).
    mayHaveRunBefore: false,
    confirmLease: async () => undefined,
    log: createLogger({ test: true }),
    outputs: state.outputs,
    redaction: new SecretScope(),
  } as SagaRun;
}

const step = (name: string) => PROVISIONING_STEPS.find((s) => s.name === name)!;

async function spaceAndStorage(): Promise<{ spaceId: string; storageId: string }> {
  const { od, sim } = ctx;
  const name = uniqueName();
  const spaceId = await od.zone.createSpace({ groupId: sim.info.managerGroupId, name });
  const storageId = await od.panel.createStorage(posixSpec(name));
  return { spaceId, storageId };
}

describe('support-space and start-import against wrapped Onepanel errors', () => {
  it('a support that already happened (answer lost) is recognised: 409 errorOnNodes(relationAlreadyExists) → supported', async () => {
    const { od, sim } = ctx;
    const outputs = await spaceAndStorage();
    // The earlier attempt: the support took effect, the step never saw the answer.
    const token = await od.zone.createSupportToken(outputs.spaceId, { ttlSeconds: 120 });
    await od.panel.supportSpace({ token, size: 10_000_000, storageId: outputs.storageId, storageImport: { mode: 'auto' } });
    expect(await step('support-space').run(runFor(od, outputs))).toEqual({ supported: true });
    const repeat = sim
      .requests()
      .filter((r) => r.method === 'POST' && r.path.endsWith('/provider/spaces'))
      .at(-1);
    expect(repeat).toMatchObject({ status: 409, errorId: 'errorOnNodes' });
  });

  it('force-start right after support (the first scan runs) is done: 409 errorOnNodes(alreadyExists)', async () => {
    const { od, sim } = ctx;
    sim.configure({ scanDurationMs: 60_000 });
    const outputs = await spaceAndStorage();
    const token = await od.zone.createSupportToken(outputs.spaceId, { ttlSeconds: 120 });
    await od.panel.supportSpace({ token, size: 10_000_000, storageId: outputs.storageId, storageImport: { mode: 'auto' } });
    expect(await step('start-import').run(runFor(od, outputs))).toEqual({ importStarted: true });
    const fs = sim.requests().filter((r) => r.path.endsWith('/force-start'));
    expect(fs.at(-1)).toMatchObject({ status: 409, errorId: 'errorOnNodes' });
  });

  it('a support the provider refuses (unknown storage) fails the dataset at once, sent once', async () => {
    const { od, sim } = ctx;
    const { spaceId } = await spaceAndStorage();
    const e = await failure(step('support-space').run(runFor(od, { spaceId, storageId: 'storage-deleted-meanwhile' })));
    expect(e).toMatchObject({ status: 400, id: 'badValueIdNotFound', key: 'storageId', wrappedIn: 'errorOnNodes' });
    expect(isPermanentFailure(e)).toBe(true);
    expect(sim.requests().filter((r) => r.method === 'POST' && r.path.endsWith('/provider/spaces'))).toHaveLength(1);
  });
});
