import { describe, expect, it } from 'vitest';
import { runLifecyclePass, type LifecycleEvent } from '../../../shared/lifecycle/lifecycle-pass.ts';
import type { LogFields, Logger } from '../../../shared/log/index.ts';
import { provisionDataset } from '../../../shared/provisioning/provision-dataset.ts';
import { provisioningFixture, uploadMetadata, useOnedataSim } from '../../helpers/provisioning-fixture.ts';

/**
 * The expiry part of the lifecycle pass (docs/lifecycle.md "Expiry at the facility"), on a dataset
 * provisioned against the Onedata simulator (127.0.0.1) with an in-memory bucket; the pass's clock
 * is set by each call. Each test names the logic it guards.
 */
const local = useOnedataSim();

const DAY = 86_400_000;
const KEY = 'datasets/Run1/SPA.yml';
const FS2OD = 'datasets/Run1/.fs2od';
const FILE = (extra = '') => `Sample:\n  Name: apoferritin\nUser:\n  Email: jane@example.org\n${extra}Grids: 3\n`;
/** Not YAML a reader accepts: an operator's bad save. */
const BROKEN = 'Sample: [apoferritin\nGrids: 3\n';

/** A logger that keeps the warnings (the pass must say why it left an expiry alone). */
function recordingLogger(): Logger & { warnings: { msg: string; fields?: LogFields }[] } {
  const warnings: { msg: string; fields?: LogFields }[] = [];
  const logger = {
    warnings,
    debug: () => undefined,
    info: () => undefined,
    warn: (msg: string, fields?: LogFields) => void warnings.push({ msg, ...(fields ? { fields } : {}) }),
    error: () => undefined,
    child: () => logger,
  };
  return logger;
}

/** A provisioned Run1 with `file` as its metadata file, and a pass at `at` ms after provisioning. */
async function provisioned(configYaml: string, file: string) {
  const fx = provisioningFixture(local.sim, configYaml);
  const { ds, job } = uploadMetadata(fx.objects, 'Run1', file);
  expect(await provisionDataset(job, fx.deps)).toBe('provisioned');
  const provisionedAt = Date.parse((await fx.states.read(ds.id))!.state.provisionedAt!);
  const log = recordingLogger();
  const events: LifecycleEvent[] = [];
  const pass = async (at: number) => {
    events.length = 0;
    const report = await runLifecyclePass({
      ...fx.deps,
      log,
      providers: [],
      now: () => new Date(provisionedAt + at),
      notify: async (e) => void events.push(e),
    });
    return { report, events: events.map((e) => (e.before ? `${e.event} ${e.before}` : e.event)) };
  };
  const expiry = async () => (await fx.states.read(ds.id))!.state.lifecycle?.expiry;
  return { ...fx, ds, job, pass, expiry, log, provisionedAt };
}

describe('an unreadable file leaves the expiry exactly as it is', () => {
  const FS2OD_CONFIG = 'fs2odMetadataFile: { enabled: true, storeAccessInfo: false }\ndataReplication: { timeUntilRemoved: 7d }\n';

  /** fs2od's denial seen by the first pass: scheduled, counted from that moment. */
  async function denied() {
    const fx = await provisioned(FS2OD_CONFIG, FILE());
    fx.objects.seed(FS2OD, 'Onedata:\n  DeniedProviders: [primary]\n');
    const first = await fx.pass(0);
    expect(first.events).toEqual(['expiry scheduled']);
    const planned = (await fx.expiry())!;
    expect(planned).toMatchObject({ state: 'scheduled', source: 'fs2od', spec: '7d', noticedAt: new Date(fx.provisionedAt).toISOString() });
    return { ...fx, planned };
  }

  it('a bad upload of the metadata file neither cancels nor restarts the countdown; the fixed file carries on from the record', async () => {
    // Guards: currentRequest's "unreadable" answer and runExpiry leaving the record alone on it
    // (removed — the file read as "no request" — the pass records `cancelled`, and the fixed file
    // re-plans with a new noticedAt: "expiry scheduled" again and a countdown restarted, fs2od's bug 21).
    const { objects, pass, expiry, planned, log } = await denied();
    objects.seed(KEY, BROKEN);
    const broken = await pass(1 * DAY);
    expect(broken.report).toMatchObject({ cancelled: 0, expiriesScheduled: 0, errors: 0 });
    expect(broken.events).toEqual([]);
    expect(await expiry()).toEqual(planned);
    expect(log.warnings.map((w) => w.msg)).toContainEqual(expect.stringMatching(/expiry .*cannot be read/));

    objects.seed(KEY, FILE());
    const fixed = await pass(2 * DAY);
    expect(fixed.events).toEqual([]);
    expect(fixed.report).toMatchObject({ cancelled: 0, expiriesScheduled: 0 });
    expect(await expiry()).toEqual(planned);
  });

  it('a bad .fs2od, or a metadata file over the size limit, leaves the expiry as it is too; no reminder, no removal while it lasts', async () => {
    // Guards: readFs2od's "unreadable" answer (removed: a bad .fs2od reads as "no denial" and
    // cancels) and the size error read as unreadable (removed: ObjectTooLargeError fails the
    // dataset's lifecycle on every pass), and the early return before reminders and removal.
    const fx = await provisioned(`${FS2OD_CONFIG}limits: { metadataMaxBytes: 4096 }\nlifecycle: { timeBeforeAction: [1d] }\n`, FILE());
    fx.objects.seed(FS2OD, 'Onedata:\n  DeniedProviders: [primary]\n');
    await fx.pass(0);
    const planned = (await fx.expiry())!;

    fx.objects.seed(FS2OD, 'Onedata:\n  DeniedProviders: [primary\n');
    const badFs2od = await fx.pass(6.5 * DAY); // the 1d reminder's moment has passed
    expect(badFs2od.events).toEqual([]);
    expect(badFs2od.report).toMatchObject({ cancelled: 0, reminders: 0, errors: 0 });
    expect(await fx.expiry()).toEqual(planned);

    fx.objects.seed(FS2OD, 'Onedata:\n  DeniedProviders: [primary]\n');
    fx.objects.seed(KEY, FILE(`Notes: "${'x'.repeat(8192)}"\n`));
    const tooLarge = await fx.pass(8 * DAY); // past the removal time
    expect(tooLarge.events).toEqual([]);
    expect(tooLarge.report).toMatchObject({ cancelled: 0, waitingForReplicas: 0, errors: 0 });
    expect(await fx.expiry()).toEqual(planned);
  });

  it('a removed metadata file is recorded and does not cancel the expiry (lifecycle.onMetadataRemoved: record)', async () => {
    // Guards: the missing file read as "unknown", like metadataRemoved's policy (removed: the
    // removal records `cancelled`, which docs/lifecycle.md does not list as a way to cancel).
    const { objects, pass, expiry, planned } = await denied();
    objects.data.delete(KEY);
    const gone = await pass(1 * DAY);
    expect(gone.report).toMatchObject({ metadataRemoved: 1, cancelled: 0 });
    expect(gone.events).toEqual([]);
    expect(await expiry()).toEqual(planned);
  });

  it('an empty .fs2od (fs2od creates them so) is no denial, and a removed one neither: the expiry it asked for is cancelled', async () => {
    // Guards: the empty file read as an empty document (removed: an empty .fs2od is "unreadable"
    // and would hold every native expiry of its dataset for ever).
    const fx = await provisioned(FS2OD_CONFIG, FILE('Retention: 30d\n'));
    fx.objects.seed(FS2OD, '');
    expect((await fx.pass(0)).events).toEqual(['expiry scheduled']);
    expect(await fx.expiry()).toMatchObject({ source: 'metadata', spec: '30d' });

    const { objects, pass, expiry } = await denied();
    objects.data.delete(FS2OD);
    expect((await pass(1 * DAY)).events).toEqual(['expiry cancelled']);
    expect(await expiry()).toMatchObject({ state: 'cancelled' });
  });
});

describe('reminders when an expiry is planned', () => {
  it('offsets whose moment has already passed count as sent and are never mailed; the later ones go out on their day', async () => {
    // Guards: remindersPassed in the plan (removed: the pass that plans sends "expiry scheduled"
    // and the 1m and 7d reminders at once).
    const { pass, expiry } = await provisioned('lifecycle: { timeBeforeAction: [1m, 7d, 1d] }\n', FILE('Retention: 7d\n'));
    const planned = await pass(DAY / 24);
    expect(planned.events).toEqual(['expiry scheduled']);
    expect(planned.report.reminders).toBe(0);
    expect((await expiry())!.remindersSent.sort()).toEqual(['1m', '7d']);
    expect((await pass(5 * DAY)).events).toEqual([]);
    expect((await pass(6 * DAY + DAY / 24)).events).toEqual(['reminder due 1d']);
    expect((await pass(6 * DAY + DAY / 12)).events).toEqual([]);
  });
});

describe('a metadata file our own section took past limits.metadataMaxBytes', () => {
  const LIMITS = 'limits: { metadataMaxBytes: 1024 }\n';
  /** An operator's file just under the limit, which the write-back takes past it. */
  const nearLimit = (extra: string) => {
    const base = FILE(extra);
    return FILE(`${extra}Notes: "${'n'.repeat(1024 - Buffer.byteLength(base) - 12)}"\n`);
  };

  it('is read by the pass with the allowance docs/metadata.md gives our section: the expiry is planned', async () => {
    // Guards: the pass reading with the section's allowance (removed: the file is too large for
    // the plain limit and its Retention is never acted on).
    const fx = await provisioned(LIMITS, nearLimit('Retention: 30d\n'));
    expect(Buffer.byteLength(fx.objects.text(KEY)!)).toBeLessThanOrEqual(1024 + 1024);
    expect(Buffer.byteLength(fx.objects.text(KEY)!)).toBeGreaterThan(1024);
    const first = await fx.pass(DAY);
    expect(first.report).toMatchObject({ expiriesScheduled: 1, errors: 0 });
    expect(first.events).toEqual(['expiry scheduled']);
  });

  it('an embargo on such a file ends as on any other: shared, PublicURL written back', async () => {
    // Guards: the allowance in publishAfterEmbargo's read and write (removed: the read throws and
    // the dataset's whole lifecycle fails on every pass; or the write-back refuses the file).
    const fx = await provisioned(LIMITS, nearLimit('Embargo: 2099-01-01\n'));
    expect(Buffer.byteLength(fx.objects.text(KEY)!)).toBeGreaterThan(1024);
    const at = Date.parse('2099-01-01T01:00:00Z') - fx.provisionedAt;
    const r = await fx.pass(at);
    expect(r.report).toMatchObject({ published: 1, errors: 0 });
    const s = (await fx.states.read(fx.ds.id))!.state;
    expect(fx.objects.text(KEY)).toContain(`PublicURL: ${s.outputs.publicUrl}`);
  });
});

describe('one moment per pass', () => {
  it('Retention: now is due in the pass that plans it, however much the clock moves while the files are read', async () => {
    // Guards runExpiry handing its own `now` to currentRequest: with a second reading of the clock
    // there, "now" fell after the moment it was compared with, and the pass planned the expiry
    // without acting on it (state `scheduled`, not an attempt at the removal).
    const fx = provisioningFixture(local.sim, '');
    const { ds, job } = uploadMetadata(fx.objects, 'Run1', FILE('Retention: now\n'));
    expect(await provisionDataset(job, fx.deps)).toBe('provisioned');
    let ms = Date.now();
    const report = await runLifecyclePass({ ...fx.deps, providers: [], now: () => new Date((ms += 5)) });
    expect(report.expiriesScheduled).toBe(1);
    // No replica elsewhere: the removal was attempted and waits (the facility keeps its copy).
    expect((await fx.states.read(ds.id))!.state.lifecycle?.expiry?.state).toBe('waiting-for-replicas');
  });
});

describe('one verdict per version', () => {
  it('a version whose provisioning gave up (Onedata down through every delivery) is not acted on by the pass, though the pass can read it', async () => {
    // Guards the refused-version check in currentRequest: without it, s3od had settled the
    // operator's version as not provisioned (newVersionRefused: run s3od retry) while the pass
    // planned the removal that version asked for.
    const fx = await provisioned('', FILE());
    const edited = { ...fx.job, etag: fx.objects.seed(KEY, `${fx.objects.text(KEY)!}Retention: now\nNotes: changed\n`) };
    local.sim.configure({ faultRate: 1 });
    await expect(provisionDataset(edited, fx.deps, { receiveCount: 3 })).rejects.toBeTruthy();
    local.sim.configure({ faultRate: 0 });
    const before = (await fx.states.read(fx.ds.id))!.state;
    expect(before.failureReason).toMatch(/gave up after 3 attempts/);
    const { report } = await fx.pass(1000);
    expect(report.expiriesScheduled).toBe(0);
    expect(await fx.expiry()).toBeUndefined();
    expect(fx.log.warnings.map((w) => w.fields?.reason)).toContainEqual(expect.stringMatching(/this version was refused/));
  });
});
