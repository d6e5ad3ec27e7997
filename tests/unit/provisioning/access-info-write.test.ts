import { describe, expect, it } from 'vitest';
import { metadataParseSettings } from '../../../shared/config/index.ts';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { createLogger, SecretScope } from '../../../shared/log/index.ts';
import { parseMetadata, readAccessInfo } from '../../../shared/metadata/index.ts';
import type { OnedataClient } from '../../../shared/onedata/index.ts';
import type { SagaRun } from '../../../shared/provisioning/context.ts';
import { PermanentProvisioningError } from '../../../shared/provisioning/errors.ts';
import { writeAccessInfo } from '../../../shared/provisioning/access-info-write.ts';
import { newDatasetState } from '../../../shared/state/dataset-state.ts';
import { MemoryObjects } from '../../helpers/memory-objects.ts';
import { testConfig } from '../../helpers/test-config.ts';

/**
 * writeAccessInfo on an in-memory bucket with S3's conditional-write rules. Each test names
 * the logic it guards; each was shown to fail with that logic removed.
 */
const KEY = 'datasets/Run1/SPA.yml';
const ORIGINAL = '# acquisition notes\nSample:\n  Name: apoferritin   # keep this comment\nGrids: 3\n';

function setUp(opts: { configExtra?: string; text?: string } = {}) {
  const config = testConfig(opts.configExtra ?? '');
  const objects = new MemoryObjects();
  const text = opts.text ?? ORIGINAL;
  const etag = objects.seed(KEY, text);
  const parsed = parseMetadata(Buffer.from(text), metadataParseSettings(config));
  if (!parsed.ok) throw new Error('bad fixture');
  const state = newDatasetState(datasetRef('facility', 'datasets', 'Run1'));
  state.outputs = { spaceId: 'space-1', inviteToken: 'invite-token-abc', publicUrl: 'https://zone.example.org/share/sh-1' };
  const run: SagaRun = {
    deps: {
      config,
      secrets: { onezoneToken: 't', oneproviderToken: 't' },
      onedata: {} as OnedataClient,
      objects,
      states: {} as never,
      enqueueListing: async () => undefined,
      log: createLogger({ test: true }),
    },
    record: { state, etag: 'r' },
    metadata: { key: KEY, fileName: 'SPA.yml', etag, text: parsed.text, doc: parsed.doc },
    name: 'Run1',
    mayHaveRunBefore: false,
    confirmLease: async () => undefined,
    log: createLogger({ test: true }),
    outputs: state.outputs,
    redaction: new SecretScope(),
  };
  return { run, objects, etag, config };
}

const accessOf = (text: string) => {
  const p = parseMetadata(Buffer.from(text));
  if (!p.ok) throw new Error(p.error.message);
  return readAccessInfo(p.doc);
};

describe('writeAccessInfo', () => {
  it('writes only our section, with one PUT conditional on the version read at the start (no second read)', async () => {
    // Guards: the PUT's If-Match on the version the run read, and the saved GET (the first
    // attempt uses that version's text).
    const { run, objects, etag } = setUp();
    const newEtag = await writeAccessInfo(run);
    const text = objects.text(KEY)!;
    expect(text.startsWith(ORIGINAL)).toBe(true);
    expect(accessOf(text)).toEqual({
      onezone: 'https://zone.example.org',
      space: 'space-1',
      inviteToken: 'invite-token-abc',
      publicURL: 'https://zone.example.org/share/sh-1',
    });
    expect(objects.puts(KEY)).toEqual([{ op: 'put', key: KEY, cond: { ifMatch: etag }, result: 'ok' }]);
    expect(objects.calls.filter((c) => c.op === 'get')).toEqual([]);
    expect(newEtag).toBe(objects.data.get(KEY)!.etag);
  });

  it('an operator save between the read and the PUT: the PUT is refused, the new version is read, merged and written', async () => {
    // Guards: the compare-and-swap and the re-read + merge on 412 (made unconditional, the
    // operator's line is lost; without the retry on PreconditionFailed, it throws).
    const { run, objects, etag } = setUp();
    const edited = ORIGINAL + 'ReviewedBy: J. Doe\n';
    let operatorEtag = '';
    objects.beforePut = (key) => {
      if (key === KEY && !operatorEtag) operatorEtag = objects.seed(KEY, edited);
    };
    await writeAccessInfo(run);
    const puts = objects.puts(KEY);
    expect(puts.map((p) => [p.cond?.ifMatch, p.result])).toEqual([
      [etag, 'precondition-failed'],
      [operatorEtag, 'ok'],
    ]);
    expect(objects.calls.filter((c) => c.op === 'get' && c.key === KEY)).toHaveLength(1);
    const text = objects.text(KEY)!;
    expect(text.startsWith(edited)).toBe(true);
    expect(accessOf(text).space).toBe('space-1');
  });

  it('a file already carrying exactly our section is not written again', async () => {
    // Guards: "unchanged text → no PUT" (no write, so no new event and no loop of write-backs).
    const first = setUp();
    await writeAccessInfo(first.run);
    const withSection = first.objects.text(KEY)!;
    const { run, objects, etag } = setUp({ text: withSection });
    expect(await writeAccessInfo(run)).toBe(etag);
    expect(objects.puts(KEY)).toEqual([]);
  });

  it('a metadata file deleted during provisioning is a permanent failure, and nothing is recreated', async () => {
    // Guards: the missing-file branch (never recreate the operator's file from memory).
    const { run, objects } = setUp();
    objects.beforePut = (key) => void objects.data.delete(key);
    await expect(writeAccessInfo(run)).rejects.toBeInstanceOf(PermanentProvisioningError);
    expect(objects.data.has(KEY)).toBe(false);
  });

  it('a file that became unreadable is never overwritten', async () => {
    // Guards: parse before merge (a broken operator file is left as it is).
    const { run, objects } = setUp();
    const broken = 'Sample: [unclosed\n';
    objects.beforePut = (key) => {
      if (objects.text(key) !== broken) objects.seed(key, broken);
    };
    await expect(writeAccessInfo(run)).rejects.toThrow(/unreadable/);
    expect(objects.text(KEY)).toBe(broken);
  });

  it('fs2od mode (storeAccessInfo): .fs2od is created once with If-None-Match, the metadata file is untouched', async () => {
    // Guards: accessInfoKey's choice of the separate object, and create-only-if-absent.
    const { run, objects } = setUp({ configExtra: 'fs2odMetadataFile: { enabled: true, storeAccessInfo: true }\n' });
    expect(await writeAccessInfo(run)).toBeUndefined();
    expect(objects.text(KEY)).toBe(ORIGINAL);
    const puts = objects.puts('datasets/Run1/.fs2od');
    expect(puts).toEqual([{ op: 'put', key: 'datasets/Run1/.fs2od', cond: { ifNoneMatch: '*' }, result: 'ok' }]);
    expect(accessOf(objects.text('datasets/Run1/.fs2od')!).space).toBe('space-1');
  });
});
