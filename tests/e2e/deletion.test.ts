/**
 * Deleting a dataset's Onedata objects on the real local stack (issue #14 §3): `s3od delete`, and
 * the deletion saga killed after each of its steps in turn, then resumed.
 */
import { describe, expect, it } from 'vitest';
import { CliContext, resolveSettings } from '../../infra/cli/lib/context.ts';
import { Output } from '../../infra/cli/lib/io.ts';
import { deleteDataset, type DeletionDeps } from '../../shared/lifecycle/delete-dataset.ts';
import { DELETION_STEPS } from '../../shared/lifecycle/deletion-steps.ts';
import { createLogger } from '../../shared/log/index.ts';
import { SimulatedCrashError } from '../../shared/provisioning/errors.ts';
import { pollUntil } from '../../shared/retry/index.ts';
import type { DatasetState } from '../../shared/state/dataset-state.ts';
import { runCli, stackFileOf } from '../helpers/cli.ts';
import { expectExactlyOneOfEach, onedataObjectsNamed, readState, SAMPLE_METADATA, uniqueName, uploadDataset, waitForStatus } from '../helpers/datasets.ts';
import { getText, putObject, s3Client, simState, stackInfo, waitForQueuesIdle } from '../helpers/stack-client.ts';

const info = stackInfo();
const s3 = s3Client(info);
const stack = ['--stack', stackFileOf(info)];

/** Every object of the simulator that carries one of the dataset's recorded ids. */
async function leftovers(state: DatasetState): Promise<string[]> {
  const o = state.outputs;
  const sim = await simState();
  const found: string[] = [];
  if (sim.spaces.some((s: any) => s.id === o.spaceId)) found.push('space');
  if (sim.groups.some((g: any) => g.id === o.groupId)) found.push('group');
  if (sim.tokens.some((t: any) => t.id === o.inviteTokenId)) found.push('invite token');
  if (sim.shares.some((s: any) => s.id === o.shareId)) found.push('share');
  if (sim.storages.some((s: any) => s.id === o.storageId)) found.push('storage');
  if (sim.supports.some((s: any) => s.spaceId === o.spaceId && s.removedAtMs === undefined)) found.push('support');
  return found;
}

function deps(crashAfter?: string): DeletionDeps {
  const output = new Output({ stdout: { write: () => true }, stderr: { write: () => true } } as never);
  const ctx = new CliContext(
    resolveSettings({ stack: stackFileOf(info) }, { stdout: process.stdout, stderr: process.stderr, env: {}, cwd: process.cwd(), defaultStackFile: undefined }),
    output,
  );
  return {
    config: ctx.config,
    secrets: ctx.secrets(),
    onedata: ctx.onedata({ retries: 3 }),
    providers: ctx.providers(),
    objects: ctx.objects(),
    states: ctx.states(),
    log: createLogger({ app: 's3od-test' }),
    ...(crashAfter ? { crashAfterStep: (step: string) => step === crashAfter } : {}),
  };
}

describe('s3od delete', () => {
  it("dry run lists, no confirmation refuses, --yes deletes only this dataset's objects; a new upload provisions afresh", async () => {
    const bystander = uniqueName('Del_Bystander');
    const other = await uploadDataset(s3, bystander, { files: 1 });
    const prefix = await uploadDataset(s3, uniqueName('Del_Cli'), { files: 2 });
    const state = await waitForStatus(s3, prefix, ['provisioned']);
    await waitForStatus(s3, other, ['provisioned']);
    await waitForQueuesIdle();
    expect(state.outputs.replicaSupports).toHaveLength(1);

    const dry = await runCli(['delete', prefix, '--dry-run', '--json', ...stack]);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout).wouldDelete.map((p: any) => p.what)).toEqual([
      'share',
      'invite token',
      'group',
      'support of the primary provider',
      `support of ${state.outputs.replicaSupports![0]!.url}`,
      'space',
      'storage (primary provider)',
    ]);
    expect(dry.stdout).not.toContain(state.outputs.inviteToken!);
    const unconfirmed = await runCli(['delete', prefix, ...stack]);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toMatch(/--yes/);
    expect(await leftovers(state)).toHaveLength(6);

    const r = await runCli(['delete', prefix, '--yes', ...stack]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await leftovers(state)).toEqual([]);
    const rec = (await readState(s3, prefix))!;
    expect(rec).toMatchObject({ status: 'deleted', generation: 1, outputs: { onedataName: state.outputs.onedataName }, completedSteps: {} });
    // The storages for replicas are shared: still there.
    const storages = (await simState()).storages.map((s: any) => s.id);
    expect(storages).toContain(state.outputs.replicaSupports![0]!.storageId);
    // Nothing of the other dataset was touched.
    expectExactlyOneOfEach(await onedataObjectsNamed(bystander));
    // Again: nothing to do.
    expect((await runCli(['delete', prefix, '--yes', ...stack])).stdout).toMatch(/already deleted/);

    // A new upload of the metadata file provisions afresh: a new space.
    const text = await getText(s3, `${prefix}/SPA.yml`);
    await putObject(s3, `${prefix}/SPA.yml`, `${text}# uploaded again\n`);
    const again = await pollUntil(
      async () => {
        const s = await readState(s3, prefix);
        return s?.status === 'provisioned' ? s : undefined;
      },
      { deadlineMs: 60_000, description: 'provisioned again', initialDelayMs: 200, maxDelayMs: 1000 },
    );
    expect(again.outputs.spaceId).toBeDefined();
    expect(again.outputs.spaceId).not.toBe(state.outputs.spaceId);
    expect(await getText(s3, `${prefix}/SPA.yml`)).toContain(`Space: ${again.outputs.spaceId}`);
  });
});

describe('the deletion saga', () => {
  it("killed after each step in turn, then resumed: none of the dataset's objects remain, every other dataset's are intact; concurrent runs step back", async () => {
    const bystander = uniqueName('Del_Keep');
    const keep = await uploadDataset(s3, bystander, { files: 1 });
    const cases = await Promise.all(
      DELETION_STEPS.map(async (step) => {
        const prefix = await uploadDataset(s3, uniqueName(`Del_${step.name}`), { files: 1, metadata: SAMPLE_METADATA });
        return { step: step.name, prefix };
      }),
    );
    const states = await Promise.all(cases.map((c) => waitForStatus(s3, c.prefix, ['provisioned'])));
    await waitForStatus(s3, keep, ['provisioned']);
    await waitForQueuesIdle();

    await Promise.all(
      cases.map(async (c, i) => {
        const dataset = states[i]!.dataset;
        await expect(deleteDataset(deps(c.step), dataset, 'test')).rejects.toBeInstanceOf(SimulatedCrashError);
        const crashed = (await readState(s3, c.prefix))!;
        // The crash happened after that step was recorded, and the lease is still held (a dead worker's).
        expect(crashed.completedSteps[c.step]).toBeDefined();
        expect(crashed.status).toBe('provisioned');
        expect((await deleteDataset(deps(), dataset, 'test')).outcome).toBe('busy');
        // Once the dead worker's lease expires, a run resumes from the record; a second one at the same time steps back.
        const outcomes = await pollUntil(
          async () => {
            const both = await Promise.all([deleteDataset(deps(), dataset, 'test'), deleteDataset(deps(), dataset, 'test')]);
            return both.some((o) => o.outcome !== 'busy') ? both.map((o) => o.outcome).sort() : undefined;
          },
          { deadlineMs: 60_000, description: 'lease expired', initialDelayMs: 500, maxDelayMs: 2000 },
        );
        expect(outcomes.filter((o) => o === 'deleted')).toHaveLength(1);
      }),
    );
    for (const [i, c] of cases.entries()) {
      expect({ step: c.step, left: await leftovers(states[i]!) }).toEqual({ step: c.step, left: [] });
      expect((await readState(s3, c.prefix))!.status).toBe('deleted');
    }
    expectExactlyOneOfEach(await onedataObjectsNamed(bystander));
  });
});
