import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetId, datasetRef } from '../../shared/dataset/ref.ts';
import { createOnedataClient } from '../../shared/onedata/index.ts';
import { addHistory } from '../../shared/state/dataset-state.ts';
import { StateStore } from '../../shared/state/state-store.ts';
import { writeStatusObject } from '../../shared/state/status-object.ts';
import { ObjectStore } from '../../shared/storage/objects.ts';
import { runCli, stackFileOf, stackSecrets, writeCliConfig, type CliResult } from '../helpers/cli.ts';
import { readState, SAMPLE_METADATA, uploadDataset } from '../helpers/datasets.ts';
import { control, drainQueue, getText, putObject, queueDepth, s3Client, sqsClient, stackInfo, waitForQueuesIdle } from '../helpers/stack-client.ts';

const info = stackInfo();
const s3 = s3Client(info);
const sqs = sqsClient(info);
const queue = info.queues.ProvisionQueue!;
const dir = mkdtempSync(join(tmpdir(), 's3od-cli-backfill-'));
// A base prefix of its own, outside the stack's watched `datasets`: the pipeline ignores its events.
const base = `legacy_${randomBytes(3).toString('hex')}`;
let args: string[];

interface Fs2odDataset {
  prefix: string;
  spaceId: string;
  spaceName: string;
  inviteToken: string;
  publicUrl: string;
}
const fs2od: Fs2odDataset[] = [];
const fresh: string[] = [];

/** What fs2od appended to the file of a dataset it provisioned. */
function fs2odSection(d: Omit<Fs2odDataset, 'prefix' | 'spaceName'>): string {
  return `Onedata:\n  Onezone: ${info.onedataUrl}\n  Space: ${d.spaceId}\n  InviteToken: ${d.inviteToken}\n  PublicURL: ${d.publicUrl}\n`;
}

function expectNoSecrets(r: CliResult): void {
  for (const s of [...fs2od.map((d) => d.inviteToken), ...stackSecrets(info)]) {
    expect(r.stdout).not.toContain(s);
    expect(r.stderr).not.toContain(s);
  }
}

beforeAll(async () => {
  args = ['--config', writeCliConfig(info, dir, 'legacy.yml', { watchedDirectories: [base] }), '--stack', stackFileOf(info)];
  await waitForQueuesIdle();
  // Nothing may consume the jobs backfill sends: the test reads them from the queue.
  await control('POST', '/pause');
  const od = createOnedataClient({ onezoneUrl: info.onedataUrl, oneproviderUrl: info.onedataUrl, onezoneToken: info.onedataToken, retry: { retries: 2 } });
  for (let i = 0; i < 10; i++) {
    const spaceName = `fs2od_${base}_${i}`;
    const spaceId = await od.zone.createSpace({ groupId: info.sim.managerGroupId, name: spaceName });
    fs2od.push({
      prefix: `${base}/Old_${i}`,
      spaceId,
      spaceName,
      inviteToken: `MDAxY2xvY2F0aW9u${randomBytes(40).toString('hex')}`,
      publicUrl: `https://onezone.sim.localhost/share/${randomBytes(16).toString('hex')}`,
    });
  }
  const uploads: (() => Promise<unknown>)[] = [
    ...fs2od.map((d) => () => uploadDataset(s3, d.prefix.slice(base.length + 1), { base, files: 1, metadata: SAMPLE_METADATA + fs2odSection(d) })),
    ...Array.from({ length: 40 }, (_, i) => () => {
      const name = `New_${String(i).padStart(2, '0')}`;
      fresh.push(`${base}/${name}`);
      return uploadDataset(s3, name, { base, files: 1 });
    }),
    // A folder without a metadata file is not a dataset (yet).
    () => putObject(s3, `${base}/Incomplete/Movies/movie_0.tiff`, 'x'),
  ];
  for (let i = 0; i < uploads.length; i += 10) await Promise.all(uploads.slice(i, i + 10).map((u) => u()));
  // One of fs2od's datasets as a reconcile run before the backfill leaves it: provisioning refused
  // it because its file names a space s3od did not create (shared/provisioning/fs2od-access.ts).
  const objects = new ObjectStore(s3, info.bucket);
  const refused = await new StateStore(objects).update(datasetRef(info.bucket, base, 'Old_9'), (st) => {
    const message = `SPA.yml already names Onedata space ${fs2od[9]!.spaceId}, which s3od did not create`;
    st.status = 'failed';
    st.attempts = 1;
    st.lastError = { step: 'read-metadata', message, code: 'FS2OD_PROVISIONED', permanent: true, at: new Date().toISOString() };
    st.failureReason = `read-metadata: ${message}`;
    addHistory(st, 'failed', st.failureReason);
  });
  await writeStatusObject(objects, refused.state);
});

afterAll(async () => {
  await drainQueue(sqs, queue);
  await control('POST', '/resume');
  // The records are for this test only: leave the shared bucket's record list as it was.
  await Promise.all(
    [...fs2od.map((d) => d.prefix), ...fresh].map((p) =>
      s3.send(new DeleteObjectCommand({ Bucket: info.bucket, Key: `.s3od/state/${datasetId(info.bucket, p)}.json` })),
    ),
  );
  sqs.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('s3od backfill', () => {
  it('--dry-run shows what it would do and changes nothing', async () => {
    const r = await runCli(['backfill', '--dry-run', ...args]);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^would enqueue /gm)).toHaveLength(40);
    expect(r.stdout.match(/^would adopt /gm)).toHaveLength(10);
    expect((await queueDepth(sqs, queue)).visible).toBe(0);
    expect(await readState(s3, fresh[0]!)).toBeUndefined();
    expect(await readState(s3, fs2od[0]!.prefix)).toBeUndefined();
  });

  it('enqueues the 40 new datasets, adopts the 10 fs2od ones, and is idempotent', async () => {
    const r = await runCli(['backfill', ...args]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^51 dataset folders examined$/m);
    expect(r.stdout).toMatch(/^ {2}40 enqueued \(reason: backfill\)$/m);
    expect(r.stdout).toMatch(/^ {2}10 adopted from fs2od \(provisioned, not recreated\)$/m);
    expect(r.stdout).toMatch(/^ {2}0 already provisioned, 0 in progress, 1 without a metadata file$/m);
    // Progress on stderr: plain lines when not on a terminal, ending with the final counts.
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('51 folders · 40 enqueued · 10 adopted · 0 provisioned · 0 in progress · 0 failed · 1 without metadata');
    expectNoSecrets(r);

    const jobs = (await drainQueue(sqs, queue)) as any[];
    expect(jobs).toHaveLength(40);
    expect(jobs.every((j) => j.type === 'provision' && j.reason === 'backfill' && j.metadataFile === 'SPA.yml' && /^\w+$/.test(j.etag))).toBe(true);
    expect(jobs.map((j) => j.dataset.prefix).sort()).toEqual([...fresh].sort());
    expect(jobs[0].dataset).toMatchObject({ bucket: info.bucket, base });

    for (const [i, d] of fs2od.entries()) {
      const st = (await readState(s3, d.prefix))!;
      expect(st.status).toBe('provisioned');
      expect(st.outputs).toMatchObject({ spaceId: d.spaceId, inviteToken: d.inviteToken, publicUrl: d.publicUrl, onedataName: d.spaceName });
      // The one provisioning had refused is adopted too (awaitingAdoption), its failure cleared.
      expect(st.history.map((h) => h.event)).toEqual(i === 9 ? ['failed', 'adopted from fs2od'] : ['adopted from fs2od']);
      expect(st.attempts).toBe(i === 9 ? 1 : 0);
      expect(st.failureReason).toBeUndefined();
      expect(st.metadataFile).toBe('SPA.yml');
    }
    // Its status object beside the file no longer says it failed.
    expect(await getText(s3, `${fs2od[9]!.prefix}/.s3od-status.yml`)).toMatch(/status: provisioned/);
    const pending = (await readState(s3, fresh[7]!))!;
    expect(pending.status).toBe('pending');
    expect(pending.history.map((h) => h.event)).toEqual(['queued by backfill']);

    // The second run finds nothing new to do.
    const again = await runCli(['backfill', ...args]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^ {2}0 enqueued \(reason: backfill\)$/m);
    expect(again.stdout).toMatch(/^ {2}0 adopted from fs2od/m);
    expect(again.stdout).toMatch(/^ {2}10 already provisioned, 40 in progress, 1 without a metadata file$/m);
    expect(await drainQueue(sqs, queue)).toEqual([]);
  });

  it('shows an adopted dataset in status, its token only as "set"', async () => {
    const d = fs2od[3]!;
    const r = await runCli(['status', d.prefix, ...args]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/status\s+provisioned/);
    expect(r.stdout).toMatch(new RegExp(`space\\s+${d.spaceId}`));
    expect(r.stdout).toMatch(/invite token\s+set/);
    expect(r.stdout).toMatch(/adopted from fs2od — space \w+ from /);
    expectNoSecrets(r);
  });

  it('never adopts a space another record holds: a copied file (or a moved folder) is an error, the folder left without a record', async () => {
    // Guards recordedSpaces in backfill (removed: the copy became a second dataset with Old_0's
    // space, and `s3od delete` or an expiry of the copy would have deleted Old_0's objects).
    const copy = `${base}/Copy_of_0`;
    await uploadDataset(s3, 'Copy_of_0', { base, files: 1, metadata: SAMPLE_METADATA + fs2odSection(fs2od[0]!) });
    try {
      const r = await runCli(['backfill', '--prefix', copy, ...args]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`error    ${copy}: ${copy}/SPA.yml names space ${fs2od[0]!.spaceId}, which s3od records for ${fs2od[0]!.prefix}`);
      expect(r.stdout).toMatch(/^ {2}0 adopted from fs2od/m);
      expect(await readState(s3, copy)).toBeUndefined();
      expectNoSecrets(r);
    } finally {
      await drainQueue(sqs, queue);
    }
  });

  it('rewrites its progress line in place on a terminal', async () => {
    const r = await runCli(['backfill', '--dry-run', '--prefix', `${base}/New_0`, ...args], { tty: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/\r10 folders · 0 to enqueue · 0 to adopt · 0 provisioned · 10 in progress/);
  });
});
