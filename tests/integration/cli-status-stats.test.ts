import { beforeAll, describe, expect, it } from 'vitest';
import { readState, SAMPLE_METADATA, uniqueName, uploadDataset, waitForStatus } from '../helpers/datasets.ts';
import { runCli, stackFileOf, stackSecrets, type CliResult } from '../helpers/cli.ts';
import { s3Client, simState, stackInfo, waitForQueuesIdle } from '../helpers/stack-client.ts';
import type { DatasetState } from '../../shared/state/dataset-state.ts';
import { formatBytes } from '../../infra/cli/lib/format.ts';

const info = stackInfo();
const s3 = s3Client(info);
const stack = ['--stack', stackFileOf(info)];

let prefix: string;
let state: DatasetState;

/** Neither the invite token nor any of the stack's secrets may appear in what the CLI printed. */
function expectNoSecrets(r: CliResult): void {
  for (const secret of [state.outputs.inviteToken!, ...stackSecrets(info)]) {
    expect(r.stdout).not.toContain(secret);
    expect(r.stderr).not.toContain(secret);
  }
}

beforeAll(async () => {
  // Without replication: the stats below are of the primary's support alone.
  prefix = await uploadDataset(s3, uniqueName('CliStatus'), { files: 2, metadata: `${SAMPLE_METADATA}Replication: false\n` });
  await waitForStatus(s3, prefix, ['provisioned']);
  // The import of the two data objects has run too (their sizes make the space's occupancy).
  await waitForQueuesIdle();
  state = (await readState(s3, prefix))!;
  expect(state.outputs.inviteToken?.length).toBeGreaterThan(30);
});

describe('s3od status', () => {
  it('shows one dataset: status, ids, attempts, import counts; the invite token only as "set"', async () => {
    const r = await runCli(['status', `${prefix}/`, ...stack]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(prefix);
    expect(r.stdout).toMatch(/status\s+provisioned/);
    for (const id of [state.outputs.spaceId, state.outputs.storageId, state.outputs.groupId, state.outputs.shareId, state.outputs.publicUrl])
      expect(r.stdout).toContain(id);
    expect(r.stdout).toMatch(/invite token\s+set \(token id /);
    expect(r.stdout).toMatch(/attempts\s+1/);
    expect(r.stdout).toMatch(/last error\s+none/);
    expect(r.stdout).toMatch(/import\s+registered 2 · failed 0 · removed 0/);
    expect(r.stdout).toMatch(/listing\s+done/);
    expect(r.stdout).toMatch(/provisioned\s+\d{4}-\d\d-\d\dT/);
    expectNoSecrets(r);
  });

  it('gives the record as JSON, with the token replaced by "set"', async () => {
    const r = await runCli(['status', prefix, '--json', ...stack]);
    expect(r.code).toBe(0);
    const rec = JSON.parse(r.stdout);
    expect(rec).toMatchObject({
      status: 'provisioned',
      attempts: 1,
      dataset: { prefix },
      outputs: { spaceId: state.outputs.spaceId, inviteToken: 'set' },
      import: { registered: 2 },
    });
    expectNoSecrets(r);
  });

  it('lists all datasets in a sorted table with totals per status', async () => {
    const r = await runCli(['status', ...stack]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^FOLDER\s+STATUS\s+SPACE\s+ATTEMPTS\s+LAST ERROR \/ REASON$/);
    const mine = lines.find((l) => l.startsWith(`${prefix} `));
    expect(mine).toMatch(new RegExp(`^${prefix}\\s+provisioned\\s+${state.outputs.spaceId}\\s+1\\s+-$`));
    const folders = lines.slice(1, lines.indexOf('')).map((l) => l.split(/\s+/)[0]!);
    expect(folders).toEqual([...folders].sort((a, b) => a.localeCompare(b)));
    expect(lines.at(-1)).toMatch(/^\d+ datasets: \d+ provisioned/);
    expectNoSecrets(r);

    const json = JSON.parse((await runCli(['status', '--json', '--prefix', prefix, ...stack])).stdout);
    expect(json.totals).toEqual({ all: 1, provisioned: 1 });
    expect(json.datasets).toEqual([expect.objectContaining({ folder: prefix, status: 'provisioned', spaceId: state.outputs.spaceId, attempts: 1 })]);
  });

  it('exits 1 for a folder s3od has no record of', async () => {
    const r = await runCli(['status', 'datasets/NoSuchDataset_x', ...stack]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no record for datasets\/NoSuchDataset_x/);
  });
});

describe('s3od stats', () => {
  it("reports the space's support and occupancy as the simulator holds them, with totals", async () => {
    const r = await runCli(['stats', '--json', '--prefix', prefix, ...stack]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    const sim = await simState();
    const supports = sim.supports.filter((s: any) => s.spaceId === state.outputs.spaceId && s.removedAtMs === undefined);
    expect(supports).toHaveLength(1);
    const [support] = supports;
    expect(report.spaces).toEqual([
      {
        folder: prefix,
        spaceId: state.outputs.spaceId,
        name: state.outputs.onedataName,
        providers: [{ providerId: support.providerId, support: support.size, occupancy: 100 + 101 }],
      },
    ]);
    expect(report.providers[support.providerId]).toMatchObject({ spaces: 1, support: support.size, occupancy: 201, occupancyUnknown: 0 });
    expect(report.total).toEqual({ spaces: 1, support: support.size, occupancy: 201 });

    const human = await runCli(['stats', '-r', '--prefix', prefix, ...stack]);
    expect(human.code).toBe(0);
    const size = formatBytes(support.size, true);
    expect(human.stdout).toMatch(new RegExp(`${prefix}\\s+${state.outputs.spaceId}\\s+\\S+.*\\s${size.replace('.', '\\.')}\\s+201 B`));
    expect(human.stdout).toMatch(/Totals per provider:/);
    expect(human.stdout).toContain(`Grand total: 1 spaces, support ${size}, occupancy 201 B`);
    expectNoSecrets(human);
  });
});
