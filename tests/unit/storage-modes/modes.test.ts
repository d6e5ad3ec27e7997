import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config/index.ts';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { newDatasetState } from '../../../shared/state/dataset-state.ts';
import { STORAGE_MODES, storageModeFor, WITHHELD_INVITE_TOKEN } from '../../../shared/storage-modes/index.ts';

const BASE = `
bucket: facility
watchedDirectories: [datasets]
institutionName: T
managerGroupId: m
userGroupId: u
serviceUserId: s
s3Storage: { endpoint: "https://s3.example.org" }
restAccess: { onezone: { host: z }, oneproviders: [{ host: p }] }
`;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('storage modes', () => {
  it('the configured mode is the one table entry of its name', () => {
    expect(storageModeFor(parseConfig(BASE)).name).toBe('s3');
    expect(storageModeFor(parseConfig(`${BASE}storageMode: posix\nposixStorage: { mountRoot: /mnt/facility }\n`)).name).toBe('posix');
    for (const [name, mode] of Object.entries(STORAGE_MODES)) expect(mode.name).toBe(name);
  });

  it('no code outside shared/storage-modes (and the config reader) branches on the mode name', () => {
    // Guards the issue-13 rule: adding a mode means adding one file, not finding every check.
    const offenders = [...sourceFiles('shared'), ...sourceFiles('functions')]
      .filter((f) => !f.startsWith(join('shared', 'storage-modes')) && !f.startsWith(join('shared', 'config')))
      .filter((f) => /storageMode\s*[!=]==|[!=]==\s*[\w.]*storageMode\b|switch\s*\([\w.]*storageMode\)/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('the invite token stays out of the folder only where the mode publishes the folder', () => {
    const s3 = parseConfig(BASE);
    const posix = parseConfig(`${BASE}storageMode: posix\nposixStorage: { mountRoot: /mnt/facility }\n`);
    const optedIn = parseConfig(`${BASE}storageMode: posix\nposixStorage: { mountRoot: /mnt/facility, publishInviteToken: true }\n`);
    expect(storageModeFor(s3).inviteTokenInFolder(s3, 'tok')).toBe('tok');
    expect(storageModeFor(posix).inviteTokenInFolder(posix, 'tok')).toBe(WITHHELD_INVITE_TOKEN);
    expect(storageModeFor(optedIn).inviteTokenInFolder(optedIn, 'tok')).toBe('tok');
  });

  it("names the dataset's location: the folder's own mount point in posix mode (not its parent's, fs2od bug 38), the key prefix in s3 mode", () => {
    const s3 = parseConfig(BASE);
    const posix = parseConfig(`${BASE}storageMode: posix\nposixStorage: { mountRoot: /mnt/facility }\n`);
    const ds = datasetRef('facility', 'cryoem/krios1', 'Run1');
    expect(storageModeFor(s3).datasetLocation(s3, ds)).toBe('cryoem/krios1/Run1');
    expect(storageModeFor(posix).datasetLocation(posix, ds)).toBe('/mnt/facility/cryoem/krios1/Run1');
  });

  it('only an s3 listing that stopped short counts as a stalled first import', () => {
    const st = newDatasetState(datasetRef('facility', 'datasets', 'R'), new Date(0));
    st.import.listing = { done: false, listed: 3, startAfter: 'k' };
    const later = 60 * 60_000;
    expect(STORAGE_MODES.s3.initialImportStalled(st, later, 10 * 60_000)).toBe(true);
    expect(STORAGE_MODES.s3.initialImportStalled(st, 1000, 10 * 60_000)).toBe(false);
    expect(STORAGE_MODES.posix.initialImportStalled(st, later, 10 * 60_000)).toBe(false);
    st.import.listing.done = true;
    expect(STORAGE_MODES.s3.initialImportStalled(st, later, 10 * 60_000)).toBe(false);
  });
});
