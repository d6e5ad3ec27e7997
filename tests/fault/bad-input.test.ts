import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../shared/metadata/index.ts';
import { pollUntil } from '../../shared/retry/index.ts';
import { onedataObjectsNamed, readState, SAMPLE_METADATA, uniqueName, uploadDataset, waitForStatus } from '../helpers/datasets.ts';
import { control, getBytes, getText, putObject, s3Client, simState, stackInfo } from '../helpers/stack-client.ts';

/**
 * The bad-input corpus (tests/fixtures/bad-metadata, named categories) through the real stack:
 * each file ends `failed` with a clear reason in the record and in the bucket-visible status
 * object, the operator's file stays byte-identical, and nothing is created in Onedata.
 */
const info = stackInfo();
const s3 = s3Client(info);
const corpusDir = new URL('../fixtures/bad-metadata/', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('manifest.json', corpusDir), 'utf8')) as {
  files: { path: string; ok: boolean; code?: string; mentions?: string; folderName?: string; limits?: unknown }[];
};
// Files written for smaller limits than the deployed defaults are covered by the unit tests; the
// size limit itself is exercised below with a real 1 MiB+ upload.
const rejected = manifest.files.filter((f) => !f.ok && !f.limits);

describe('bad metadata files on the real stack', () => {
  it(`rejects all ${rejected.length} bad files cleanly, byte-identical, with nothing created in Onedata`, async () => {
    const before = await simState();
    const cases = rejected.map((f, i) => ({
      ...f,
      name: uniqueName(`Bad${i}_${f.path.split('/')[0]!.replace(/[^A-Za-z]/g, '')}`),
      bytes: readFileSync(new URL(f.path, corpusDir)),
    }));
    // Upload in small waves: the point is the outcome, not RGW throughput.
    for (let i = 0; i < cases.length; i += 10) {
      await Promise.all(cases.slice(i, i + 10).map((c) => uploadDataset(s3, c.name, { files: 0, metadata: c.bytes })));
    }
    for (const c of cases) {
      const prefix = `datasets/${c.name}`;
      const state = await waitForStatus(s3, prefix, ['failed', 'provisioned'], 60_000);
      expect({ file: c.path, status: state.status }).toEqual({ file: c.path, status: 'failed' });
      expect(state.lastError?.permanent).toBe(true);
      expect(state.failureReason, c.path).toContain(c.code === 'TOO_LARGE' ? 'bytes' : (c.mentions ?? ''));
      // The operator's file is exactly as uploaded.
      expect((await getBytes(s3, `${prefix}/SPA.yml`)).equals(c.bytes), c.path).toBe(true);
      // The reason is visible in the bucket, beside the file.
      const status = await getText(s3, `${prefix}/.s3od-status.yml`);
      expect(status, c.path).toMatch(/status: failed/);
      expect(status, c.path).toMatch(/reason: /);
      expect((await onedataObjectsNamed(c.name)).spaces, c.path).toHaveLength(0);
    }
    const after = await simState();
    // Nothing at all was created in Onedata by the whole batch.
    for (const kind of ['spaces', 'storages', 'groups', 'tokens', 'shares']) expect(after.counts[kind], kind).toBe(before.counts[kind]);
  });

  it('rejects a metadata file over the size limit before reading it whole', async () => {
    const name = uniqueName('BadHuge');
    const big = Buffer.concat([Buffer.from('Autoname: huge\nPadding: "'), Buffer.alloc(1_100_000, 'a'), Buffer.from('"\n')]);
    const prefix = await uploadDataset(s3, name, { files: 0, metadata: big });
    const state = await waitForStatus(s3, prefix, ['failed']);
    expect(state.failureReason).toMatch(new RegExp(`more than the limit of ${DEFAULT_LIMITS.maxBytes} bytes`));
    expect((await getBytes(s3, `${prefix}/SPA.yml`)).equals(big)).toBe(true);
  });

  it('fails folder names that cannot be made valid Onedata names, and provisions the ones Onedata accepts', async () => {
    const bad = manifest.files.filter((f) => f.folderName && ['###', '...', 'x'].includes(f.folderName));
    expect(bad.length).toBe(3);
    const suffix = Math.random().toString(16).slice(2, 6);
    const base = `names${suffix}`;
    // A separate watched base keeps these odd folders apart; the folder name itself is the test.
    const config = { watchedDirectories: ['datasets', base] };
    await control('POST', '/config', config);
    try {
      for (const f of bad) await uploadDataset(s3, f.folderName!, { files: 0, base, metadata: readFileSync(new URL(f.path, corpusDir)) });
      for (const f of bad) {
        const st = await waitForStatus(s3, `${base}/${f.folderName}`, ['failed', 'provisioned']);
        expect({ folder: f.folderName, status: st.status }).toEqual({ folder: f.folderName, status: 'failed' });
        expect(st.failureReason).toMatch(/name/i);
      }
      // fs2od rejected non-ASCII names; Onedata 21.02 accepts them, and so does s3od.
      await uploadDataset(s3, 'Příliš', { files: 0, base });
      const st = await waitForStatus(s3, `${base}/Příliš`, ['failed', 'provisioned']);
      expect(st.status).toBe('provisioned');
    } finally {
      await control('POST', '/config', {});
    }
  });

  it('provisions two folders whose names clean up to the same Onedata name as two datasets with distinct names', async () => {
    const tag = Math.random().toString(16).slice(2, 6);
    const a = await uploadDataset(s3, `Coll ${tag}`, { files: 0 });
    const b = await uploadDataset(s3, `Coll_${tag}`, { files: 0 });
    const [sa, sb] = await Promise.all([waitForStatus(s3, a, ['provisioned', 'failed']), waitForStatus(s3, b, ['provisioned', 'failed'])]);
    expect([sa.status, sb.status]).toEqual(['provisioned', 'provisioned']);
    // One keeps the cleaned name; the other gets the deterministic variant with its own id
    // (shared/state/name-claims.ts): never two datasets under one Onedata name.
    const names = [sa.outputs.onedataName, sb.outputs.onedataName];
    const second = [sa, sb].find((s) => s.outputs.onedataName !== `Coll_${tag}`)!;
    expect(names).toContain(`Coll_${tag}`);
    expect(second.outputs.onedataName).toBe(`Coll_${tag}_${second.dataset.id.slice(0, 4)}`);
    expect(sa.outputs.spaceId).not.toBe(sb.outputs.spaceId);
    expect((await onedataObjectsNamed(`Coll_${tag}`)).spaces).toHaveLength(1);
  });

  it('retries a failed dataset when the operator uploads a fixed file', async () => {
    const name = uniqueName('BadThenFixed');
    const prefix = await uploadDataset(s3, name, { files: 0, metadata: '- just\n- a list\n' });
    await waitForStatus(s3, prefix, ['failed']);
    await putObject(s3, `${prefix}/SPA.yml`, SAMPLE_METADATA);
    const st = await pollUntil(
      async () => {
        const s = await readState(s3, prefix);
        return s?.status === 'provisioned' && !s.lease ? s : undefined;
      },
      { deadlineMs: 60_000, initialDelayMs: 100, maxDelayMs: 500, description: 'fixed dataset provisioned' },
    );
    expect(st.failureReason).toBeUndefined();
    expect(await getText(s3, `${prefix}/.s3od-status.yml`)).toMatch(/status: provisioned/);
  });
});
