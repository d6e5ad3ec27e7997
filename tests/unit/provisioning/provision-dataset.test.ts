import { describe, expect, it, vi } from 'vitest';
import { redactString, RELEASED_SECRETS_KEPT, SecretScope, setLogSink } from '../../../shared/log/index.ts';
import { DatasetBusyError } from '../../../shared/provisioning/errors.ts';
import { provisionDataset } from '../../../shared/provisioning/provision-dataset.ts';
import { LeaseLostError, StateStore } from '../../../shared/state/state-store.ts';
import type { Mailer, OutgoingMail } from '../../../shared/notifications/transport.ts';
import { METADATA, provisioningFixture, uploadMetadata, useOnedataSim } from '../../helpers/provisioning-fixture.ts';

/**
 * provisionDataset end to end in one process: the Onedata simulator on 127.0.0.1 (no latency)
 * and an in-memory bucket with S3's conditional writes. Each test names the logic it guards.
 */
const local = useOnedataSim();

const setUp = (extra?: string, onedata?: string) => provisioningFixture(local.sim, extra, onedata);
const upload = uploadMetadata;

const simCounts = () => (local.sim.state() as { counts: Record<string, number> }).counts;

/** Email on, a mailer that keeps what it sends, and a dataset whose file asks for the ready mail. */
function withReadyMail() {
  const fx = provisioningFixture(
    local.sim,
    'messaging:\n  credentials: { email: { enabled: true, smtpServer: smtp.example.org, messageSender: ops@example.org } }\n',
  );
  const sent: OutgoingMail[] = [];
  const mailer: Mailer = { send: async (m) => (sent.push(m), { accepted: [], rejected: [] }), verify: async () => undefined };
  const { ds, job } = upload(fx.objects, 'Run1', `${METADATA}User:\n  Email: jane@example.org\nNotifyCompletion: true\n`);
  return { fx, deps: { ...fx.deps, mailer }, sent, ds, job };
}

/** A dataset provisioned as an older s3od left it: no shareFileId, the share's description naming the space's root. */
async function provisionedByOlderS3od() {
  const { deps, objects, states } = setUp();
  const { ds, job } = upload(objects);
  expect(await provisionDataset(job, deps)).toBe('provisioned');
  const old = (await states.read(ds.id))!;
  const spaceRoot = old.state.outputs.rootFileId!;
  await deps.onedata.provider.updateShare(old.state.outputs.shareId!, { description: `python3 download.py ${spaceRoot}` });
  delete old.state.outputs.shareFileId;
  await states.save(old);
  return { deps, objects, states, ds, job, spaceRoot };
}

describe('provisionDataset', () => {
  it('provisions a new dataset: every step recorded, access information written back, lease released, listing queued', async () => {
    // Guards: the whole run (saga, final record write, write-back, status object, lease release).
    const { deps, objects, states, listings } = setUp();
    const { ds, job } = upload(objects);
    expect(await provisionDataset(job, deps)).toBe('provisioned');
    const rec = (await states.read(ds.id))!.state;
    expect(rec.status).toBe('provisioned');
    expect(rec.lease).toBeUndefined();
    expect(rec.attempts).toBe(1);
    expect(Object.keys(rec.completedSteps).sort()).toEqual([
      'add-group-to-space',
      'add-qos-requirement',
      'create-group',
      'create-invite-token',
      'create-share',
      'create-space',
      'create-storage',
      'publish-metadata',
      'start-import',
      'support-replicas',
      'support-space',
      'wait-for-provider',
      'write-back',
    ]);
    const text = objects.text(`${ds.prefix}/SPA.yml`)!;
    expect(text.startsWith(METADATA)).toBe(true);
    expect(text).toContain(`Space: ${rec.outputs.spaceId}`);
    // The record remembers the version it wrote: the event of that write costs one GET.
    expect(rec.metadataEtag).toBe(objects.data.get(`${ds.prefix}/SPA.yml`)!.etag);
    expect(objects.text(`${ds.prefix}/.s3od-status.yml`)).toMatch(/status: provisioned/);
    // It shows the time just recorded: written without a read to compare first.
    expect(objects.calls.filter((c) => c.key === `${ds.prefix}/.s3od-status.yml`).map((c) => c.op)).toEqual(['put']);
    expect(listings.map((l) => l.dataset.id)).toEqual([ds.id]);
    expect(simCounts()).toMatchObject({ spaces: 1, groups: expect.any(Number), shares: 1 });
  });

  it('writes its record a handful of times, not once per step', async () => {
    // Guards staged recording (saga.ts `staged`, steps.ts): the lease, before the provider wait,
    // before the import, the write-back, the outcome and the release, with every step's outputs
    // in one of them. Writing each step's outputs (13 steps) took 15 writes.
    const { deps, objects, states } = setUp();
    const { ds, job } = upload(objects);
    expect(await provisionDataset(job, deps)).toBe('provisioned');
    const writes = objects.puts(`.s3od/state/${ds.id}.json`);
    expect(writes.every((w) => w.result === 'ok')).toBe(true);
    expect(writes.length).toBeLessThanOrEqual(6);
    expect(Object.keys((await states.read(ds.id))!.state.completedSteps)).toHaveLength(13);
  });

  it('with the ready mail on, one write more: "sending" before the send; the outcome goes with the release', async () => {
    // Guards: notify-ready's `outcomeWithNextWrite` (removed: a write of the send's outcome of
    // its own, 8 writes) and that the release then records the mail as sent, and owed no more.
    const { fx, deps, sent, ds, job } = withReadyMail();
    expect(await provisionDataset(job, deps)).toBe('provisioned');
    expect(sent.map((m) => m.to)).toEqual([['jane@example.org']]);
    const writes = fx.objects.puts(`.s3od/state/${ds.id}.json`);
    expect(writes.every((w) => w.result === 'ok')).toBe(true);
    expect(writes.length).toBeLessThanOrEqual(7);
    const rec = (await fx.states.read(ds.id))!.state;
    expect(Object.values(rec.mail!).map((e) => e.state)).toEqual(['sent']);
    expect(rec.mailDue ?? []).toEqual([]);
    expect(rec.lease).toBeUndefined();
  });

  it('a crash after the ready mail, before the release is written: the next run sends it once more, with the same Message-ID, and then never again', async () => {
    // Guards the window the staged mail outcome and `mailDue` removal leave (notify-ready.ts,
    // deliver.ts `outcomeWithNextWrite`): the record written before the crash still says
    // "sending" and owes the mail, so the next run resends it (removed, e.g. the outcome staged
    // without "sending" written first, the mail would be lost or sent again on every run).
    const { fx, deps, sent, ds, job } = withReadyMail();
    const recordKey = `.s3od/state/${ds.id}.json`;
    // The process dies once the mail has left: no write of the record lands after that.
    fx.objects.beforePut = (key) => {
      if (key === recordKey && sent.length > 0) throw new Error('worker died');
    };
    await provisionDataset(job, deps).catch(() => undefined);
    expect(sent).toHaveLength(1);
    const written = (await fx.states.read(ds.id))!.state;
    expect(written.status).toBe('provisioned');
    expect(written.mailDue).toEqual(['dataset ready']);
    expect(Object.values(written.mail!).map((e) => e.state)).toEqual(['sending']);
    // After the restart, the job comes back once the dead worker's lease has run out.
    fx.objects.beforePut = undefined;
    await fx.states.update(ds, (s) => void (s.lease!.expiresAt = new Date(Date.now() - 1000).toISOString()));
    await provisionDataset(job, deps);
    expect(sent).toHaveLength(2);
    expect(sent[1]!.messageId).toBe(sent[0]!.messageId);
    const after = (await fx.states.read(ds.id))!.state;
    expect(after.mailDue ?? []).toEqual([]);
    expect(Object.values(after.mail!).map((e) => e.state)).toEqual(['sent']);
    expect(after.lease).toBeUndefined();
    await provisionDataset(job, deps);
    expect(sent).toHaveLength(2);
  });

  it('the event of our own write-back (same version, already provisioned) costs one read and no Onedata call', async () => {
    // Guards: the cheap exit before the lease (removed: a lease write, a metadata read, a refresh).
    const { deps, objects, states } = setUp();
    const { ds, job } = upload(objects);
    await provisionDataset(job, deps);
    const rec = (await states.read(ds.id))!.state;
    const calls = local.sim.requests().length;
    objects.calls.length = 0;
    const again = { ...job, etag: rec.metadataEtag! };
    expect(await provisionDataset(again, deps)).toBe('unchanged');
    expect(local.sim.requests().length).toBe(calls);
    expect(objects.calls.map((c) => c.op)).toEqual(['get']);
  });

  it('the event of our own write-back while the saga still holds the lease is done after one read of the record', async () => {
    // Guards: the version the write-back recorded as its own carries our section
    // (carriesRecordedAccessInfo; removed: the file is read to compare, one GET per dataset).
    const { deps, objects, states } = setUp();
    const { ds, job } = upload(objects);
    await provisionDataset(job, deps);
    // The record as it is between the write-back and the outcome: write-back done, lease held.
    await states.update(ds, (s) => {
      s.status = 'provisioning';
      s.lease = { owner: 'the-saga', expiresAt: new Date(Date.now() + 20_000).toISOString() };
    });
    const rec = (await states.read(ds.id))!.state;
    objects.calls.length = 0;
    expect(await provisionDataset({ ...job, etag: rec.metadataEtag! }, deps)).toBe('unchanged');
    expect(objects.calls.map((c) => `${c.op} ${c.key}`)).toEqual([`get .s3od/state/${ds.id}.json`]);
    // Another version (the operator's) is not taken for ours: it waits for the lease.
    await expect(provisionDataset({ ...job, etag: 'operator-version' }, deps)).rejects.toBeInstanceOf(DatasetBusyError);
  });

  it('another worker holding the lease: the job steps back (DatasetBusyError, retry after the lease), nothing is created', async () => {
    // Guards: the lease (removed: a second saga runs beside the first).
    const { deps, objects, states } = setUp();
    const { ds, job } = upload(objects);
    const held = await states.acquireLease(ds, 'other-worker', 20_000);
    expect('busy' in held).toBe(false);
    const err = await provisionDataset(job, deps).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatasetBusyError);
    expect((err as DatasetBusyError).retryAfterSeconds).toBeGreaterThanOrEqual(20);
    expect((err as DatasetBusyError).retryAfterSeconds).toBeLessThanOrEqual(22);
    expect(local.sim.requests()).toEqual([]);
    expect((await states.read(ds.id))!.state.lease?.owner).toBe('other-worker');
  });

  it("a job that finds another worker's live lease in the record reads nothing more: no metadata read, no name claim", async () => {
    // Guards: the speculative metadata read and name claim are not started when the record just
    // read shows a live lease (removed: a GET of the file and a PUT of the name claim, thrown away;
    // in a burst that is one GET per dataset, for the event of its own write-back).
    const { deps, objects, states } = setUp();
    const { ds, job } = upload(objects);
    expect('busy' in (await states.acquireLease(ds, 'other-worker', 20_000))).toBe(false);
    objects.calls.length = 0;
    await expect(provisionDataset(job, deps)).rejects.toBeInstanceOf(DatasetBusyError);
    expect(objects.calls.map((c) => `${c.op} ${c.key}`)).toEqual([`get .s3od/state/${ds.id}.json`]);
    // An expired lease is no obstacle: the run reads the file and provisions.
    await states.update(ds, (s) => void (s.lease!.expiresAt = new Date(Date.now() - 1000).toISOString()));
    expect(await provisionDataset(job, deps)).toBe('provisioned');
  });

  it('bad metadata fails permanently at once: the reason recorded and beside the file, the file untouched, nothing in Onedata', async () => {
    // Guards: permanent-failure handling (removed: the job would be retried until the DLQ).
    const { deps, objects, states } = setUp();
    const bad = '- a list\n- not a mapping\n';
    const { ds, job } = upload(objects, 'Run1', bad);
    expect(await provisionDataset(job, deps)).toBe('failed');
    const rec = (await states.read(ds.id))!.state;
    expect(rec.status).toBe('failed');
    expect(rec.lastError?.permanent).toBe(true);
    expect(rec.failureReason).toMatch(/SPA\.yml/);
    expect(rec.lease).toBeUndefined();
    expect(objects.text(`${ds.prefix}/SPA.yml`)).toBe(bad);
    expect(objects.text(`${ds.prefix}/.s3od-status.yml`)).toMatch(/status: failed/);
    expect(local.sim.requests()).toEqual([]);
  });

  it("a file that already names a space s3od never created (fs2od's) is refused before any Onedata call, the file and its users' token untouched", async () => {
    // Guards refuseFs2odProvisioned (removed: a new space, group, token and share are made and the
    // file's Space, InviteToken and PublicURL — the ones fs2od gave the users — are overwritten).
    const { deps, objects, states } = setUp();
    const fs2od = `${METADATA}Onedata:\n  Onezone: https://datahub.example.org\n  Space: 9c2f00aa11bb22cc33dd44ee55ff6677\n  InviteToken: MDAxOLDTOKENfromFS2OD\n  PublicURL: https://datahub.example.org/share/old\n`;
    const { ds, job } = upload(objects, 'Old1', fs2od);
    expect(await provisionDataset(job, deps)).toBe('failed');
    const rec = (await states.read(ds.id))!.state;
    expect(rec).toMatchObject({ status: 'failed', lastError: { code: 'FS2OD_PROVISIONED', permanent: true } });
    expect(rec.failureReason).toMatch(/SPA\.yml already names Onedata space 9c2f00aa11bb22cc33dd44ee55ff6677.*s3od backfill/);
    expect(rec.outputs.spaceId).toBeUndefined();
    expect(objects.text(`${ds.prefix}/SPA.yml`)).toBe(fs2od);
    expect(objects.text(`${ds.prefix}/.s3od-status.yml`)).toMatch(/status: failed/);
    expect(local.sim.requests()).toEqual([]);
    // The operator chose a new space: without Space in the section, the next version is provisioned.
    const fresh = { ...job, etag: objects.seed(`${ds.prefix}/SPA.yml`, `${METADATA}Onedata:\n  Onezone: https://datahub.example.org\n`) };
    expect(await provisionDataset(fresh, deps)).toBe('provisioned');
    expect(objects.text(`${ds.prefix}/SPA.yml`)).toContain(`Space: ${(await states.read(ds.id))!.state.outputs.spaceId}`);
  });

  it('with access information kept in .fs2od, a Space there refuses the dataset too; an empty .fs2od does not', async () => {
    // Guards findFs2odAccess's look into `.fs2od` on the provisioning path.
    const { deps, objects, states } = setUp('fs2odMetadataFile: { enabled: true, storeAccessInfo: true }');
    const old = upload(objects, 'Old2');
    objects.seed(`${old.ds.prefix}/.fs2od`, 'Onedata:\n  Space: 0123456789abcdef0123456789abcdef\nDeniedProviders: []\n');
    expect(await provisionDataset(old.job, deps)).toBe('failed');
    expect((await states.read(old.ds.id))!.state.failureReason).toMatch(/^read-metadata: \.fs2od beside SPA\.yml already names Onedata space 0123456789abcdef/);
    expect(local.sim.requests()).toEqual([]);
    const empty = upload(objects, 'New2');
    objects.seed(`${empty.ds.prefix}/.fs2od`, '');
    expect(await provisionDataset(empty.job, deps)).toBe('provisioned');
  });

  it('a .fs2od that cannot be read for a moment returns the job to the queue: it is never taken for "no Space"', async () => {
    // Guards the rethrow in findFs2odAccess (with the old catch, a 503 on .fs2od let the saga
    // create a new space and write over the token and URL that .fs2od gives the users).
    const { deps, objects } = setUp('fs2odMetadataFile: { enabled: true, storeAccessInfo: true }');
    const { ds, job } = upload(objects, 'Old3');
    objects.seed(`${ds.prefix}/.fs2od`, 'Onedata:\n  Space: 0123456789abcdef0123456789abcdef\n');
    const get = objects.get.bind(objects);
    vi.spyOn(objects, 'get').mockImplementation(async (key, max) => {
      if (key.endsWith('/.fs2od')) throw Object.assign(new Error('SlowDown'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } });
      return get(key, max);
    });
    await expect(provisionDataset(job, deps)).rejects.toThrow(/SlowDown/);
    expect(local.sim.requests()).toEqual([]);
    expect(objects.text(`${ds.prefix}/.fs2od`)).toContain('0123456789abcdef0123456789abcdef');
  });

  it('a .fs2od holding only blank lines, a comment or `---` is as empty as a 0-byte one: the access information goes in', async () => {
    // Guards the EMPTY_DOCUMENT case of writeSection's separate file (removed: such a .fs2od failed
    // the dataset for good at the write-back, after every Onedata object was created).
    const { deps, objects, states } = setUp('fs2odMetadataFile: { enabled: true, storeAccessInfo: true }');
    for (const [i, blank] of ['\n', '\r\n', '# created by fs2od\n', '---\n', '\uFEFF'].entries()) {
      const { ds, job } = upload(objects, `Blank${i}`);
      objects.seed(`${ds.prefix}/.fs2od`, blank);
      expect(await provisionDataset(job, deps), JSON.stringify(blank)).toBe('provisioned');
      const fs2od = objects.text(`${ds.prefix}/.fs2od`)!;
      expect(fs2od).toContain(`Space: ${(await states.read(ds.id))!.state.outputs.spaceId}`);
      if (blank.startsWith('#')) expect(fs2od.startsWith(blank)).toBe(true);
    }
  });

  it('a file our write-back took past limits.metadataMaxBytes is still ours: s3od retry and its own event read it with the allowance', async () => {
    // Guards withSectionAllowance in provisionDataset (removed: the retry failed with TOO_LARGE and
    // the status object told the operator to upload a file they never changed).
    const { deps, objects, states } = setUp('limits: { metadataMaxBytes: 2048 }');
    const text = `${METADATA}Notes: "${'x'.repeat(2000 - METADATA.length)}"\n`;
    expect(Buffer.byteLength(text)).toBeLessThan(2048);
    const { ds, job } = upload(objects, 'Big', text);
    expect(await provisionDataset(job, deps)).toBe('provisioned');
    const written = objects.data.get(`${ds.prefix}/SPA.yml`)!;
    expect(written.body.length).toBeGreaterThan(2048);
    expect(await provisionDataset({ ...job, etag: written.etag, reason: 'retry' }, deps)).not.toBe('failed');
    const rec = (await states.read(ds.id))!.state;
    expect(rec.status).toBe('provisioned');
    expect(rec.lastError).toBeUndefined();
    expect(objects.text(`${ds.prefix}/.s3od-status.yml`)).not.toContain('newVersionRefused');
    // An operator's version far past the limit is refused as before.
    const huge = { ...job, etag: objects.seed(`${ds.prefix}/SPA.yml`, `${text}More: "${'y'.repeat(4000)}"\n`) };
    expect(await provisionDataset(huge, deps)).toBe('failed');
    expect((await states.read(ds.id))!.state.lastError?.code).toBe('TOO_LARGE');
  });

  it('a transient Onedata failure returns the job to the queue with the lease released; the last allowed delivery gives up', async () => {
    // Guards: the retry/give-up decision (receiveCount against provisioning.maxAttempts) and the
    // lease release on failure (removed: the redelivery would wait out the lease).
    const { deps, objects, states } = setUp();
    const { ds, job } = upload(objects);
    local.sim.configure({ faultRate: 1 });
    await expect(provisionDataset(job, deps, { receiveCount: 1 })).rejects.toBeTruthy();
    let rec = (await states.read(ds.id))!.state;
    expect(rec.status).toBe('provisioning');
    expect(rec.lease).toBeUndefined();
    expect(rec.lastError?.permanent).toBe(false);
    expect(rec.history.some((h) => h.event === 'attempt failed')).toBe(true);
    await expect(provisionDataset(job, deps, { receiveCount: 3 })).rejects.toBeTruthy();
    rec = (await states.read(ds.id))!.state;
    expect(rec.status).toBe('failed');
    expect(rec.failureReason).toMatch(/gave up after 3 attempts/);
    // A later delivery of a new version starts again and completes.
    local.sim.configure({ faultRate: 0 });
    const fixed = { ...job, etag: objects.seed(`${ds.prefix}/SPA.yml`, METADATA + '# again\n') };
    expect(await provisionDataset(fixed, deps, { receiveCount: 1 })).toBe('provisioned');
  });

  it("the run's new invite token is masked in its log lines, and let go of when the run ends", async () => {
    // Guards: the run's SecretScope (steps.ts holds the token it creates; provisionDataset closes
    // the scope). Without the hold, the failure's log line shows the token; without the close,
    // a long-lived container would scan every token it ever created on every log line.
    const { deps, objects, states } = setUp();
    const { ds, job } = upload(objects);
    // The gateway refuses the write-back once and echoes the body (our section, with the token).
    const put = objects.put.bind(objects);
    let refused = 0;
    objects.put = async (key, body, cond) => {
      if (key === `${ds.prefix}/SPA.yml` && refused++ === 0) throw new Error(`gateway refused: ${String(body)}`);
      return put(key, body, cond);
    };
    const lines: string[] = [];
    const previous = setLogSink((l) => lines.push(l));
    try {
      await expect(provisionDataset(job, deps, { receiveCount: 1 })).rejects.toThrow(/gateway refused/);
    } finally {
      setLogSink(previous);
    }
    const token = (await states.read(ds.id))!.state.outputs.inviteToken!;
    expect(token.length).toBeGreaterThan(8);
    const failure = lines.find((l) => l.includes('gateway refused'));
    expect(failure).toContain('[REDACTED]');
    expect(lines.filter((l) => l.includes(token))).toEqual([]);
    // Once other runs' tokens have been let go of, this one is no longer scanned for.
    for (let i = 0; i < RELEASED_SECRETS_KEPT; i++) {
      const other = new SecretScope();
      other.hold(`OTHER-RUN-TOKEN-${i}-${'y'.repeat(16)}`);
      other.close();
    }
    expect(redactString(token)).toBe(token);
  });

  it('a refresh that fails for a moment is done by the redelivery: the restored section is not lost', async () => {
    // Guards: recordFailure records the job's version only when it is settled (permanent, gave
    // up). Removed, the redelivery of a provisioned dataset's new version looks like the event of
    // a version already handled ('unchanged') and the operator's file keeps no section.
    const { deps, objects, states } = setUp();
    const { ds, job } = upload(objects);
    expect(await provisionDataset(job, deps)).toBe('provisioned');
    const key = `${ds.prefix}/SPA.yml`;
    // The operator uploads a version without our section; the gateway fails our restore once.
    const edited = { ...job, etag: objects.seed(key, METADATA + 'Notes: re-uploaded\n') };
    const put = objects.put.bind(objects);
    let failures = 0;
    objects.put = async (k, body, cond) => {
      if (k === key && failures++ === 0) throw Object.assign(new Error('503 Slow Down'), { $metadata: { httpStatusCode: 503 } });
      return put(k, body, cond);
    };
    await expect(provisionDataset(edited, deps, { receiveCount: 1 })).rejects.toThrow(/Slow Down/);
    expect(failures).toBe(1);
    expect(objects.text(key)).not.toContain('Onedata:');
    expect(await provisionDataset(edited, deps, { receiveCount: 2 })).toBe('refreshed');
    const rec = (await states.read(ds.id))!.state;
    expect(objects.text(key)).toContain(`Space: ${rec.outputs.spaceId}`);
    expect(objects.text(key)).toContain('Notes: re-uploaded');
  });

  it("the share's description tells how to download it by the share's own file id, not the space's root", async () => {
    // Guards: create-share records the share's file id (GET /shares/{id}'s rootFileId) and
    // publish-metadata, after the share, describes the share with it. Removed (the space's
    // rootFileId, as before), onedata-downloader cannot fetch the public share anonymously.
    const { deps, objects, states } = setUp();
    const { ds, job } = upload(objects);
    expect(await provisionDataset(job, deps)).toBe('provisioned');
    const o = (await states.read(ds.id))!.state.outputs;
    const share = await deps.onedata.provider.getShare(o.shareId!);
    expect(o.shareFileId).toBe(share.rootFileId);
    expect(share.rootFileId).not.toBe(o.rootFileId);
    expect(share.description).toContain(`python3 download.py --onezone ${local.sim.url} ${share.rootFileId}`);
    expect(share.description).not.toContain(o.rootFileId!);
  });

  it("a share described before its file id was recorded is described again by the dataset's next refresh", async () => {
    // Guards: missingShareFileId in refresh (datasets provisioned before shareFileId existed).
    // Removed, their descriptions keep naming the space's root until the metadata changes.
    const { deps, objects, states, ds, job, spaceRoot } = await provisionedByOlderS3od();
    const edited = { ...job, etag: objects.seed(`${ds.prefix}/SPA.yml`, objects.text(`${ds.prefix}/SPA.yml`) + '# touched\n') };
    expect(await provisionDataset(edited, deps)).toBe('refreshed');
    const o = (await states.read(ds.id))!.state.outputs;
    const share = await deps.onedata.provider.getShare(o.shareId!);
    expect(o.shareFileId).toBe(share.rootFileId);
    expect(share.description).toContain(`download.py --onezone ${local.sim.url} ${share.rootFileId}`);
    expect(share.description).not.toContain(spaceRoot);
  });

  it("a provisioned dataset's new version that fails for good: the dataset stays, the status object and a mail say why, the next good version clears it", async () => {
    // Guards the refusal in renderStatusObject (newVersionRefused), notifyFailure for a dataset
    // that stays provisioned, and the clearing in refresh. Before, the status object still said
    // only "provisioned" and nobody was told the upload had been refused.
    const fx = provisioningFixture(
      local.sim,
      'messaging:\n  credentials: { email: { enabled: true, smtpServer: smtp.example.org, messageSender: ops@example.org } }\n  email: { to: { failure: [ops@example.org] } }\n',
    );
    const sent: OutgoingMail[] = [];
    const deps = { ...fx.deps, mailer: { send: async (m: OutgoingMail) => (sent.push(m), { accepted: [], rejected: [] }), verify: async () => undefined } };
    const { ds, job } = upload(fx.objects);
    expect(await provisionDataset(job, deps)).toBe('provisioned');
    const key = `${ds.prefix}/SPA.yml`;
    const statusText = () => fx.objects.text(`${ds.prefix}/.s3od-status.yml`)!;
    const bad = { ...job, etag: fx.objects.seed(key, 'Sample: [unclosed\n') };
    expect(await provisionDataset(bad, deps)).toBe('failed');
    expect((await fx.states.read(ds.id))!.state.status).toBe('provisioned');
    expect(statusText()).toMatch(/status: provisioned/);
    expect(statusText()).toMatch(/newVersionRefused:\n\s+reason: .*SPA\.yml/);
    expect(sent.map((m) => m.subject)).toEqual([expect.stringMatching(/fail/i)]);
    // The same version delivered again: no second mail.
    await provisionDataset(bad, deps);
    expect(sent).toHaveLength(1);
    const fixed = { ...job, etag: fx.objects.seed(key, METADATA + 'Notes: fixed\n') };
    expect(await provisionDataset(fixed, deps)).toBe('refreshed');
    expect(statusText()).not.toContain('newVersionRefused');
    expect((await fx.states.read(ds.id))!.state.failureReason).toBeUndefined();
  });

  it("that refresh failing for a moment does not record the share's file id: the redelivery describes the share", async () => {
    // Guards recording shareFileId only with the description that uses it (refresh's release).
    // Recorded before the publish, the failed refresh's record kept the id, the redelivery found
    // nothing to do, and the old description stayed.
    const { deps, objects, states, ds, job } = await provisionedByOlderS3od();
    const updateShare = deps.onedata.provider.updateShare.bind(deps.onedata.provider);
    let failures = 0;
    deps.onedata.provider.updateShare = async (...args) => {
      if (failures++ === 0) throw new Error('503 for a moment');
      return updateShare(...args);
    };
    const edited = { ...job, etag: objects.seed(`${ds.prefix}/SPA.yml`, objects.text(`${ds.prefix}/SPA.yml`) + '# touched\n') };
    await expect(provisionDataset(edited, deps, { receiveCount: 1 })).rejects.toThrow(/503/);
    expect((await states.read(ds.id))!.state.outputs.shareFileId).toBeUndefined();
    expect(await provisionDataset(edited, deps, { receiveCount: 2 })).toBe('refreshed');
    const o = (await states.read(ds.id))!.state.outputs;
    const share = await deps.onedata.provider.getShare(o.shareId!);
    expect(o.shareFileId).toBe(share.rootFileId);
    expect(share.description).toContain(`download.py --onezone ${local.sim.url} ${share.rootFileId}`);
  });

  it('resumes from the record: steps recorded by an earlier run are not repeated', async () => {
    // Guards: skipping completed steps (removed: a second space would be attempted; the seed's
    // 409 would then be needed to avoid a duplicate).
    const { deps, objects, states } = setUp('', 'onedata: { retries: 1, providerPollMaxMs: 20, providerWaitSeconds: 1 }');
    const { ds, job } = upload(objects);
    // The provider does not see the space within the wait: this run ends after the support.
    local.sim.configure({ propagationDelayMs: 60_000 });
    await expect(provisionDataset(job, deps, { receiveCount: 1 })).rejects.toBeTruthy();
    const mid = (await states.read(ds.id))!.state;
    expect(Object.keys(mid.completedSteps).sort()).toEqual([
      'add-group-to-space',
      'create-group',
      'create-invite-token',
      'create-space',
      'create-storage',
      'support-space',
    ]);
    local.sim.propagate();
    const before = local.sim.requests().length;
    expect(await provisionDataset(job, deps, { receiveCount: 2 })).toBe('provisioned');
    const second = local.sim
      .requests()
      .slice(before)
      .map((e) => `${e.method} ${e.path}`);
    // No create of the first run is sent again (nor looked up: the record has their ids).
    for (const re of [
      /POST .*\/groups\/[^/]+\/spaces$/,
      /POST .*\/provider\/storages$/,
      /POST .*\/groups\/[^/]+\/children$/,
      /POST .*\/provider\/spaces$/,
      /POST .*\/tokens\/named$/,
      /PUT .*\/spaces\/[^/]+\/groups\//,
    ]) {
      expect(second.filter((c) => re.test(c))).toEqual([]);
    }
    expect(simCounts()).toMatchObject({ spaces: 1, shares: 1 });
  });

  it('a worker stalled past its lease, while another took over and finished, creates no second share', async () => {
    // Guards: the lease check right before each unguarded create (create-once.ts) and a released
    // lease counting as lost (state-store.ts). Without them worker A, on its first attempt (no
    // lookup before creating), adds a second share beside the one worker B created.
    const { deps, objects } = setUp();
    const { ds, job } = upload(objects);
    let nowMs = Date.now();
    const clock = () => new Date(nowMs);
    const recordOfA = () => JSON.parse(objects.text(`.s3od/state/${ds.id}.json`) ?? '{}') as { completedSteps?: Record<string, string> };
    const provider = deps.onedata.provider;
    let outcomeOfB: string | undefined;
    // A stalls in its wait for the provider, once nothing else of it is in flight: meanwhile its
    // lease runs out and B provisions the dataset from A's record.
    const stalling = new Proxy(provider, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function') return value;
        if (prop !== 'getSpace') return value.bind(target);
        return async (...args: unknown[]) => {
          const answer = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (outcomeOfB === undefined) {
            await vi.waitFor(() =>
              expect(Object.keys(recordOfA().completedSteps ?? {})).toEqual(expect.arrayContaining(['create-invite-token', 'add-group-to-space'])),
            );
            nowMs += 31_000;
            outcomeOfB = await provisionDataset(job, { ...deps, states: new StateStore(objects, clock) }, { receiveCount: 2 });
          }
          return answer;
        };
      },
    });
    const depsOfA = { ...deps, states: new StateStore(objects, clock), onedata: { ...deps.onedata, provider: stalling } };
    await expect(provisionDataset(job, depsOfA, { receiveCount: 1 })).rejects.toBeInstanceOf(LeaseLostError);
    expect(outcomeOfB).toBe('provisioned');
    // The fault happened: B took over (a second attempt) and A tried to go on after it.
    const record = (await deps.states.read(ds.id))!.state;
    expect(record.attempts).toBe(2);
    expect(record.status).toBe('provisioned');
    expect(record.lease).toBeUndefined();
    expect(simCounts()).toMatchObject({ spaces: 1, storages: 1, groups: 3, shares: 1 }); // groups: the manager and user groups, and the dataset's
    expect(local.sim.requests().filter((r) => r.method === 'POST' && /\/shares$/.test(r.path))).toHaveLength(1);
  });

  it('a metadata file gone before the run: skipped, the dataset back to pending', async () => {
    // Guards: the gone-file branch (removed: the saga would run on nothing).
    const { deps, objects, states } = setUp();
    const { ds, job } = upload(objects);
    objects.data.delete(`${ds.prefix}/SPA.yml`);
    expect(await provisionDataset(job, deps)).toBe('skipped');
    const rec = (await states.read(ds.id))!.state;
    expect(rec.status).toBe('pending');
    expect(rec.lease).toBeUndefined();
    expect(local.sim.requests()).toEqual([]);
  });
});
