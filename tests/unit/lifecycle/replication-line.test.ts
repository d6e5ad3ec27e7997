import { describe, expect, it } from 'vitest';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { noteReplicationInFile } from '../../../shared/lifecycle/replication-line.ts';
import { createLogger } from '../../../shared/log/index.ts';
import { WITHHELD_INVITE_TOKEN } from '../../../shared/provisioning/access-info-write.ts';
import type { DatasetLease } from '../../../shared/state/dataset-lease.ts';
import { newDatasetState, type DatasetState } from '../../../shared/state/dataset-state.ts';
import { MemoryObjects } from '../../helpers/memory-objects.ts';
import { testConfig } from '../../helpers/test-config.ts';

/**
 * The lifecycle pass's "every replica complete" line on an in-memory bucket with S3's
 * conditional-write rules. Each test names the logic it guards.
 */
const KEY = 'datasets/Run1/SPA.yml';
const SECTION =
  'Onedata:\n  Onezone: https://zone.example.org\n  Space: space-1\n  InviteToken: invite-token-abc # ours\n  PublicURL: https://zone.example.org/share/sh-1\n';
const ORIGINAL = `# acquisition notes\nSample:\n  Name: apoferritin   # keep this comment\n${SECTION}Grids: 3\n`;
const LINE = '  Replicas: "2 copies complete (2026-12-04)"\n';
const NOW = new Date('2026-12-05T10:00:00Z');

function setUp(opts: { configExtra?: string; text?: string; complete?: boolean } = {}) {
  const config = testConfig(opts.configExtra ?? '');
  const objects = new MemoryObjects();
  const etag = objects.seed(KEY, opts.text ?? ORIGINAL);
  const state: DatasetState = newDatasetState(datasetRef('facility', 'datasets', 'Run1'));
  state.status = 'provisioned';
  state.metadataFile = 'SPA.yml';
  state.outputs = { spaceId: 'space-1', inviteToken: 'invite-token-abc', publicUrl: 'https://zone.example.org/share/sh-1', replicasNum: 2 };
  state.lifecycle = {
    replication: {
      qosStatus: 'fulfilled',
      checkedAt: NOW.toISOString(),
      providers: [],
      ...(opts.complete === false ? {} : { completeAt: '2026-12-04T23:59:00Z' }),
    },
  };
  const lease = { record: state, stage: (edit: (s: DatasetState) => void) => edit(state) } as unknown as DatasetLease;
  const deps = { config, objects, log: createLogger({ test: true }), now: () => NOW };
  return { deps, lease, state, objects, etag };
}

const withLine = (text: string) =>
  text.replace('  PublicURL: https://zone.example.org/share/sh-1\n', `  PublicURL: https://zone.example.org/share/sh-1\n${LINE}`);

describe('noteReplicationInFile', () => {
  it('adds one line to our section with a PUT conditional on the version read, and records it', async () => {
    const { deps, lease, state, objects, etag } = setUp();
    expect(await noteReplicationInFile(deps, lease)).toBe('written');
    expect(objects.text(KEY)).toBe(withLine(ORIGINAL));
    expect(objects.puts(KEY)).toEqual([{ op: 'put', key: KEY, cond: { ifMatch: etag }, result: 'ok' }]);
    expect(state.lifecycle!.replication!.notedInFileAt).toBe(NOW.toISOString());
    expect(state.metadataEtag).toBe(objects.data.get(KEY)!.etag);
    expect(state.history.map((h) => h.event)).toContain('replication line written');
  });

  it('an operator save between the read and the PUT: refused, re-read, merged, written (their edit kept)', async () => {
    // Guards: the shared compare-and-swap with re-read and merge on 412.
    const { deps, lease, objects, etag } = setUp();
    const edited = ORIGINAL + 'ReviewedBy: J. Doe\n';
    let operatorEtag = '';
    objects.beforePut = (key) => {
      if (key === KEY && !operatorEtag) operatorEtag = objects.seed(KEY, edited);
    };
    expect(await noteReplicationInFile(deps, lease)).toBe('written');
    expect(objects.puts(KEY).map((p) => [p.cond?.ifMatch, p.result])).toEqual([
      [etag, 'precondition-failed'],
      [operatorEtag, 'ok'],
    ]);
    expect(objects.text(KEY)).toBe(withLine(edited));
  });

  it('once: a second call reads and writes nothing, even when the operator removed the line', async () => {
    // Guards: the notedInFileAt check (without it the line is written again).
    const { deps, lease, objects } = setUp();
    await noteReplicationInFile(deps, lease);
    objects.seed(KEY, ORIGINAL);
    objects.calls.length = 0;
    expect(await noteReplicationInFile(deps, lease)).toBe('skipped');
    expect(objects.calls).toEqual([]);
    expect(objects.text(KEY)).toBe(ORIGINAL);
  });

  it('after a crash between the write and the record: finds the line, writes nothing, records it', async () => {
    // Guards: "unchanged text → no PUT" on this path.
    const { deps, lease, state, objects } = setUp({ text: withLine(ORIGINAL) });
    expect(await noteReplicationInFile(deps, lease)).toBe('present');
    expect(objects.puts(KEY)).toEqual([]);
    expect(state.lifecycle!.replication!.notedInFileAt).toBeDefined();
  });

  it('not complete yet: nothing read, nothing written', async () => {
    const { deps, lease, objects } = setUp({ complete: false });
    expect(await noteReplicationInFile(deps, lease)).toBe('skipped');
    expect(objects.calls).toEqual([]);
  });

  it('with storeAccessInfo the line goes into .fs2od with the other keys; the metadata file is untouched', async () => {
    // Guards: the same file rule as the access information.
    const { deps, lease, objects } = setUp({ configExtra: 'fs2odMetadataFile: { enabled: true, storeAccessInfo: true }\n', text: 'Sample: x\n' });
    expect(await noteReplicationInFile(deps, lease)).toBe('written');
    expect(objects.text(KEY)).toBe('Sample: x\n');
    expect(objects.text('datasets/Run1/.fs2od')).toBe(
      'Onedata:\n  Onezone: https://zone.example.org\n  Space: space-1\n  InviteToken: invite-token-abc\n  PublicURL: https://zone.example.org/share/sh-1\n' +
        LINE,
    );
  });

  it("in posix mode the values follow the write-back's rules: the token stays withheld, never the recorded one", async () => {
    // Guards: the values come from the write-back's own rule (writtenInviteToken), not the record.
    const text = ORIGINAL.replace('invite-token-abc # ours', `"${WITHHELD_INVITE_TOKEN}" # ours`);
    const { deps, lease, objects } = setUp({ configExtra: 'storageMode: posix\nposixStorage: { mountRoot: /mnt/facility }\n', text });
    expect(await noteReplicationInFile(deps, lease)).toBe('written');
    expect(objects.text(KEY)).toBe(withLine(text));
    expect(objects.text(KEY)).not.toContain('invite-token-abc');
  });

  it('a file that cannot be read is left alone and the next pass tries again', async () => {
    const { deps, lease, state, objects } = setUp({ text: 'Sample: [unclosed\n' });
    expect(await noteReplicationInFile(deps, lease)).toBe('skipped');
    expect(objects.puts(KEY)).toEqual([]);
    expect(state.lifecycle!.replication!.notedInFileAt).toBeUndefined();
  });
});
