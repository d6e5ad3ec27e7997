import { describe, expect, it } from 'vitest';
import { runLifecyclePass, type LifecycleDeps } from '../../../shared/lifecycle/lifecycle-pass.ts';
import { readAccessInfo } from '../../../shared/metadata/index.ts';
import { parseMetadata } from '../../../shared/metadata/parse.ts';
import type { Mailer, OutgoingMail } from '../../../shared/notifications/transport.ts';
import type { ProvisioningDeps } from '../../../shared/provisioning/context.ts';
import { provisionDataset } from '../../../shared/provisioning/provision-dataset.ts';
import type { ProvisionJob } from '../../../shared/queue/jobs.ts';
import { provisioningFixture, uploadMetadata, useOnedataSim } from '../../helpers/provisioning-fixture.ts';
import type { MemoryObjects } from '../../helpers/memory-objects.ts';

/**
 * Embargo before publication (docs/access.md): provisioning holds the share back, our section says
 * until when, and the first run after the date (the lifecycle pass, or an event) shares the
 * dataset and tells its people — never earlier, whatever the file says by then.
 */
const local = useOnedataSim();

const KEY = 'datasets/Run1/SPA.yml';
const FILE = (embargo: string) => `Sample:\n  Name: apoferritin\nUser:\n  Email: jane@example.org\nNotifyCompletion: true\n${embargo}Grids: 3\n`;
const MAIL = `messaging:
  credentials: { email: { enabled: true, smtpServer: smtp.example.org, messageSender: ops@example.org } }
`;

function mailer(): Mailer & { sent: OutgoingMail[] } {
  const sent: OutgoingMail[] = [];
  return { sent, send: async (m) => (sent.push(m), { accepted: [], rejected: [] }), verify: async () => undefined };
}

function setUp(extraConfig = '') {
  const fx = provisioningFixture(local.sim, MAIL + extraConfig);
  const mail = mailer();
  const deps: ProvisioningDeps = { ...fx.deps, mailer: mail };
  const pass = (at: string) => {
    const lifecycleDeps: LifecycleDeps = { ...deps, providers: [], now: () => new Date(at), mailer: mail };
    return runLifecyclePass(lifecycleDeps);
  };
  return { ...fx, deps, mail, pass };
}

function section(objects: MemoryObjects) {
  const parsed = parseMetadata(Buffer.from(objects.text(KEY)!));
  if (!parsed.ok) throw new Error(parsed.error.message);
  return readAccessInfo(parsed.doc);
}
const shares = () => (local.sim.state() as { counts: Record<string, number> }).counts['shares'];
const subjects = (m: { sent: OutgoingMail[] }) => m.sent.map((x) => x.subject);

/** An operator save (a new version of the file) and the job its event brings. */
function operatorSaves(objects: MemoryObjects, job: ProvisionJob, text: string): ProvisionJob {
  const etag = objects.seed(KEY, text);
  return { ...job, etag, dedupKey: `p:${job.dataset.id}:${etag}` };
}

describe('embargo', () => {
  it('provisions space, group and invite token but no share; our section says until when; the ready mail says it too', async () => {
    // Guards: the embargo check in create-share (removed: a share exists at once).
    const { deps, objects, states, mail } = setUp();
    const { ds, job } = uploadMetadata(objects, 'Run1', FILE('Embargo: 2099-01-01\n'));
    expect(await provisionDataset(job, deps)).toBe('provisioned');
    expect(shares()).toBe(0);
    const s = (await states.read(ds.id))!.state;
    expect(s.outputs).toMatchObject({ embargoedUntil: '2099-01-01T00:00:00.000Z' });
    expect(s.outputs.spaceId && s.outputs.groupId && s.outputs.inviteToken).toBeTruthy();
    expect(s.outputs.shareId).toBeUndefined();
    expect(section(objects)).toMatchObject({ space: s.outputs.spaceId, publicURL: 'embargoed until 2099-01-01' });
    expect(objects.text(`${ds.prefix}/.s3od-status.yml`)).toContain("embargoedUntil: '2099-01-01T00:00:00.000Z'");
    expect(mail.sent).toHaveLength(1);
    expect(mail.sent[0]!.text).toContain('embargoed until 2099-01-01');
  });

  it('the lifecycle pass shares the dataset once the date has passed: PublicURL written, people mailed, once', async () => {
    // Guards: publishAfterEmbargo in the pass (removed: the dataset stays private for ever).
    const { deps, objects, states, mail, pass } = setUp();
    const { ds, job } = uploadMetadata(objects, 'Run1', FILE('Embargo: 2099-01-01\n'));
    await provisionDataset(job, deps);
    expect((await pass('2098-12-31T23:59:00Z')).published).toBe(0);
    expect(shares()).toBe(0);

    expect((await pass('2099-01-01T00:01:00Z')).published).toBe(1);
    expect(shares()).toBe(1);
    const s = (await states.read(ds.id))!.state;
    expect(s.outputs.publicUrl).toMatch(/^http/);
    expect(s.outputs.embargoedUntil).toBeUndefined();
    expect(section(objects).publicURL).toBe(s.outputs.publicUrl);
    expect(objects.text(KEY)).toContain('Embargo: 2099-01-01\n'); // the operator's key stays
    expect(subjects(mail)).toEqual([expect.stringContaining('ready'), 'Your dataset Run1 is now public']);
    expect(mail.sent[1]!.text).toContain(s.outputs.publicUrl!);
    expect(s.mailDue ?? []).toEqual([]);
    // The share made at the embargo's end is described with its own file id (SHARE_STEPS runs
    // publish-metadata after create-share; removed, the description has no download command).
    const share = await deps.onedata.provider.getShare(s.outputs.shareId!);
    expect(s.outputs.shareFileId).toBe(share.rootFileId);
    expect(share.description).toContain(`download.py --onezone ${local.sim.url} ${share.rootFileId}`);

    // Again: nothing more to do, nothing sent twice.
    expect((await pass('2099-01-02T00:00:00Z')).published).toBe(0);
    expect(shares()).toBe(1);
    expect(mail.sent).toHaveLength(2);
  });

  it("a share whose description failed at the embargo's end is finished by the next pass: PublicURL written, people mailed", async () => {
    // Guards publicationUnfinished in followEmbargo and the pass (removed: with shareId recorded,
    // every later pass returned early; the file never got its PublicURL and nobody was told).
    const { deps, objects, states, mail, pass } = setUp();
    const { ds, job } = uploadMetadata(objects, 'Run1', FILE('Embargo: 2099-01-01\n'));
    await provisionDataset(job, deps);
    const updateShare = deps.onedata.provider.updateShare.bind(deps.onedata.provider);
    let failures = 0;
    deps.onedata.provider.updateShare = async (...args) => {
      if (failures++ === 0) throw new Error('503 for a moment');
      return updateShare(...args);
    };
    const first = await pass('2099-01-01T00:01:00Z');
    expect(failures).toBe(1);
    expect(first.published).toBe(0);
    expect(shares()).toBe(1);
    expect(section(objects).publicURL).toBe('embargoed until 2099-01-01');

    expect((await pass('2099-01-01T00:02:00Z')).published).toBe(1);
    const s = (await states.read(ds.id))!.state;
    expect(shares()).toBe(1);
    expect(section(objects).publicURL).toBe(s.outputs.publicUrl);
    expect(subjects(mail)).toContain('Your dataset Run1 is now public');
    const share = await deps.onedata.provider.getShare(s.outputs.shareId!);
    expect(share.description).toContain(`download.py --onezone ${local.sim.url} ${share.rootFileId}`);
  });

  it('a version provisioning refused is not what the pass shares by: the share waits for a version that is accepted', async () => {
    // Guards refusedVersion in publishAfterEmbargo: s3od gave up on the operator's version (Onedata
    // down through every delivery: newVersionRefused, run s3od retry); without the check the pass
    // published on the strength of a version s3od had not accepted.
    const { deps, objects, states, pass } = setUp();
    const { ds, job } = uploadMetadata(objects, 'Run1', FILE('Embargo: 2099-01-01\n'));
    await provisionDataset(job, deps);
    const refused = operatorSaves(objects, job, `${objects.text(KEY)!}Extra: grows\n`);
    local.sim.configure({ faultRate: 1 });
    await expect(provisionDataset(refused, deps, { receiveCount: 3 })).rejects.toBeTruthy();
    local.sim.configure({ faultRate: 0 });
    expect((await states.read(ds.id))!.state.failureReason).toMatch(/gave up after 3 attempts/);
    expect((await pass('2099-01-01T00:01:00Z')).published).toBe(0);
    expect(shares()).toBe(0);
  });

  it('never early: a date moved later in the file (its event not handled yet) holds the share back at the old date', async () => {
    // Guards: the pass re-reading the file before sharing (removed: the recorded, stale date shares early).
    const { deps, objects, states, pass } = setUp();
    const { ds, job } = uploadMetadata(objects, 'Run1', FILE('Embargo: 2099-01-01\n'));
    await provisionDataset(job, deps);
    objects.seed(KEY, objects.text(KEY)!.replace('Embargo: 2099-01-01', 'Embargo: 2100-01-01 # until the paper is out'));
    expect((await pass('2099-06-01T00:00:00Z')).published).toBe(0);
    expect(shares()).toBe(0);
    expect((await states.read(ds.id))!.state.outputs.embargoedUntil).toBe('2100-01-01T00:00:00.000Z');
    expect(section(objects).publicURL).toBe('embargoed until 2100-01-01');
    expect(objects.text(KEY)).toContain('Embargo: 2100-01-01 # until the paper is out');
  });

  it('a changed date is recorded and written on the file event; a removed one shares at once', async () => {
    // Guards: followEmbargo in the refresh of a changed file (removed: the section keeps the old
    // date, and a lifted embargo waits for the date that no longer applies).
    const { deps, objects, states, mail } = setUp();
    const { ds, job } = uploadMetadata(objects, 'Run1', FILE('Embargo: 2099-01-01\n'));
    await provisionDataset(job, deps);
    const moved = operatorSaves(objects, job, objects.text(KEY)!.replace('Embargo: 2099-01-01', 'Embargo: 2098-03-01'));
    expect(await provisionDataset(moved, deps)).toBe('refreshed');
    expect((await states.read(ds.id))!.state.outputs.embargoedUntil).toBe('2098-03-01T00:00:00.000Z');
    expect(section(objects).publicURL).toBe('embargoed until 2098-03-01');
    expect(shares()).toBe(0);

    const lifted = operatorSaves(objects, job, objects.text(KEY)!.replace('Embargo: 2098-03-01\n', ''));
    expect(await provisionDataset(lifted, deps)).toBe('refreshed');
    expect(shares()).toBe(1);
    const s = (await states.read(ds.id))!.state;
    expect(section(objects).publicURL).toBe(s.outputs.publicUrl);
    expect(subjects(mail)).toContain('Your dataset Run1 is now public');
  });

  it('a date that cannot be read fails provisioning with the reason, and shares nothing', async () => {
    // Guards: the permanent error (removed: an unreadable date would be read as "no embargo").
    const { deps, objects, states } = setUp();
    const { ds, job } = uploadMetadata(objects, 'Run1', FILE('Embargo: after the paper\n'));
    expect(await provisionDataset(job, deps)).toBe('failed');
    expect(shares()).toBe(0);
    expect((await states.read(ds.id))!.state.failureReason).toMatch(/create-share: Embargo "after the paper" must be a date/);
  });
});
