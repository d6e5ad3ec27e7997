import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startOnedataSim } from '../../../infra/local/onedata-sim/index.ts';
import { checkDareg } from '../../../infra/cli/lib/doctor-checks.ts';
import type { CliContext } from '../../../infra/cli/lib/context.ts';
import { renderDatasetStatus } from '../../../infra/cli/lib/status-render.ts';
import { configFromEnv, ConfigError, loadSecrets, requireDaregToken, resetConfigCache } from '../../../shared/config/index.ts';
import { datasetRef, type DatasetRef } from '../../../shared/dataset/ref.ts';
import { finishDareg, MAX_DAREG_FAILURES, planDareg } from '../../../shared/dareg/index.ts';
import { runLifecyclePass } from '../../../shared/lifecycle/lifecycle-pass.ts';
import { createLogger, setLogLevel, setLogSink } from '../../../shared/log/index.ts';
import { provisionDataset } from '../../../shared/provisioning/provision-dataset.ts';
import { newDatasetState, type DatasetState } from '../../../shared/state/dataset-state.ts';
import { StateStore } from '../../../shared/state/state-store.ts';
import { FakeDareg } from '../../helpers/dareg-server.ts';
import type { MemoryObjects } from '../../helpers/memory-objects.ts';
import { provisioningFixture, uploadMetadata } from '../../helpers/provisioning-fixture.ts';
import { TEST_CONFIG_YAML, testConfig } from '../../helpers/test-config.ts';

/**
 * The DAREG adapter (shared/dareg, docs/dareg.md) against a small recording stand-in for the
 * register's API (tests/helpers/dareg-server.ts), with provisioning run for real against the
 * Onedata simulator and an in-memory bucket. Each test names the logic it guards.
 */
type Sim = Awaited<ReturnType<typeof startOnedataSim>>;
let sim: Sim;
let dareg: FakeDareg;
const TOKEN = 'dareg-token-5f1e9c2a7b3d4e6f';
const METADATA = 'Sample:\n  Name: apoferritin\n';
const logLines: string[] = [];
let restoreSink: ((line: string) => void) | undefined;

beforeAll(async () => {
  sim = await startOnedataSim({ latencyMs: 0, propagationDelayMs: 0 });
});
afterAll(async () => {
  await sim?.close();
});
beforeEach(async () => {
  sim.configure({ latencyMs: 0, propagationDelayMs: 0, faultRate: 0, lostResponseRate: 0, dropAnswers: [] });
  sim.reset();
  dareg = await new FakeDareg(TOKEN).start();
  logLines.length = 0;
  restoreSink = setLogSink((line) => void logLines.push(line));
});
afterEach(async () => {
  await dareg.stop();
  if (restoreSink) setLogSink(restoreSink);
  setLogLevel('info');
});

function setUp(daregYaml = `dareg: { enabled: true, host: "${dareg.url}", token: ${TOKEN}, origin_instance_pk: 7 }`) {
  const { deps, objects, states } = provisioningFixture(sim, daregYaml);
  const lifecyclePass = () => runLifecyclePass({ ...deps, providers: [], now: () => new Date() });
  return { deps, objects, states, lifecyclePass };
}

const upload = (objects: MemoryObjects, name = 'Run1') => uploadMetadata(objects, name, METADATA);

const record = async (states: StateStore, ds: DatasetRef): Promise<DatasetState> => (await states.read(ds.id))!.state;
const count = (call: string) => dareg.calls().filter((c) => c === call).length;

describe('DAREG configuration', () => {
  it("reads fs2od's keys: https:// added to a bare host, origin_instance_pk, the defaults when absent", () => {
    // Guards: readDareg (removed: dareg.* is an unknown key again, or the values are not read).
    const c = testConfig('dareg: { enabled: true, host: "dareg.example.org/api/", token: abcdefgh12345678, origin_instance_pk: 3 }');
    expect(c.dareg).toEqual({ enabled: true, host: 'https://dareg.example.org/api', token: 'abcdefgh12345678', originInstancePk: 3, timeoutSeconds: 10 });
    expect(testConfig().dareg).toMatchObject({ enabled: false, originInstancePk: 1 });
  });

  it('names what is wrong: no host when enabled, a bad pk, a typo', () => {
    // Guards: the checks of readDareg (removed: a broken DAREG config would start and fail on every dataset).
    let err: ConfigError | undefined;
    try {
      testConfig('dareg: { enabled: true, origin_instance_pk: 0, tokne: x }');
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err?.problems.map((p) => p.key).sort()).toEqual(['dareg.host', 'dareg.origin_instance_pk', 'dareg.tokne']);
    expect(err?.message).toMatch(/dareg\.host: is required when DAREG is enabled/);
  });

  it('takes the token from S3OD_DAREG_TOKEN as well as the file; enabled with neither is refused by the functions that use it', () => {
    // Guards: the secret's environment variable and requireDaregToken (provision and lifecycle
    // call it; the configuration itself loads, for the functions that never see the token).
    expect(loadSecrets({ S3OD_ONEZONE_TOKEN: 't', S3OD_DAREG_TOKEN: 'from-env-0123456789' }).daregToken).toBe('from-env-0123456789');
    const yaml = (extra: string) => `${TEST_CONFIG_YAML}\ndareg: { enabled: true, host: dareg.example.org${extra} }`;
    resetConfigCache();
    const withoutToken = configFromEnv({ S3OD_CONFIG_YAML: yaml('') });
    expect(() => requireDaregToken(withoutToken, {})).toThrow(/dareg\.token: DAREG is enabled but has no token: set S3OD_DAREG_TOKEN/);
    expect(() => requireDaregToken(withoutToken, { S3OD_DAREG_TOKEN: 'from-env-0123456789' })).not.toThrow();
    resetConfigCache();
    const inFile = configFromEnv({ S3OD_CONFIG_YAML: yaml(', token: in-file-0123456789') });
    expect(inFile.dareg.token).toBe('in-file-0123456789');
    expect(() => requireDaregToken(inFile, {})).not.toThrow();
    resetConfigCache();
  });
});

describe('DAREG during provisioning', () => {
  it('registers the dataset, its main steps and its access information, with the token and JSON', async () => {
    // Guards: planDareg in the outcome write and finishDareg after it (removed: the register gets nothing).
    const { deps, objects, states, lifecyclePass } = setUp();
    const { ds, job } = upload(objects);
    expect(await provisionDataset(job, deps)).toBe('provisioned');
    const rec = await record(states, ds);
    const spaceId = rec.outputs.spaceId!;
    const datasetUrl = `${dareg.url}/datasets/${spaceId}/`;
    expect(dareg.calls()).toEqual([
      'POST /api/datasets/',
      'POST /api/logs/',
      'POST /api/logs/',
      'POST /api/logs/',
      'POST /api/logs/',
      'POST /api/logs/',
      `PATCH /api/datasets/${spaceId}/`,
      'POST /api/logs/',
    ]);
    expect(dareg.requests.every((r) => r.authorization === `Token ${TOKEN}` && r.contentType === 'application/json')).toBe(true);
    expect(dareg.requests[0]!.body).toEqual({
      origin_instance: `${dareg.url}/instances/7/`,
      name: rec.outputs.onedataName,
      // The dataset's own folder (fs2od sent its parent's).
      path: 'datasets/Run1',
      space_id: spaceId,
      invite_token: null,
      public_URL: null,
    });
    expect(dareg.requests[6]!.body).toEqual({ invite_token: rec.outputs.inviteToken, public_URL: rec.outputs.publicUrl });
    expect(dareg.logs.map((l) => l.dataset)).toEqual(Array(6).fill(datasetUrl));
    expect(dareg.logs.map((l) => l.type)).toEqual(Array(6).fill('info'));
    expect(dareg.logs.map((l) => l.message)).toEqual([
      `Storage created: ${rec.outputs.storageId}`,
      `Space supported by ${sim.url}`,
      `Group created: ${rec.outputs.groupId}`,
      `Invite token created: ${rec.outputs.inviteTokenId}`,
      `Group ${rec.outputs.groupId} added to space ${spaceId}`,
      'Processing done',
    ]);
    expect(rec.dareg).toMatchObject({ spaceId, due: [], failures: 0 });
    expect(Object.keys(rec.dareg!.done)).toHaveLength(8);
    // Nothing is sent twice: a later pass finds nothing owed.
    await lifecyclePass();
    expect(dareg.requests).toHaveLength(8);
  });

  it('DAREG down: provisioning is recorded all the same, the failure is in the record and the log, and a later pass sends what is owed', async () => {
    // Guards: the failure caught and recorded (removed: the run fails or the dataset is not
    // provisioned), the calls owed in the record and the lifecycle pass finishing them (removed:
    // the register never hears of the dataset).
    const { deps, objects, states, lifecyclePass } = setUp();
    const { ds, job } = upload(objects);
    dareg.down = true;
    expect(await provisionDataset(job, deps)).toBe('provisioned');
    let rec = await record(states, ds);
    expect(rec.status).toBe('provisioned');
    expect(rec.lease).toBeUndefined();
    // The register saw the attempt and refused it.
    expect(dareg.requests[0]).toMatchObject({ method: 'POST', path: '/api/datasets/', status: 503 });
    expect(dareg.datasets.size).toBe(0);
    expect(rec.dareg!.due).toEqual(['dataset', 'log:storage', 'log:support', 'log:group', 'log:invite-token', 'log:group-in-space', 'access', 'log:done']);
    expect(rec.dareg).toMatchObject({ failures: 1, lastError: expect.stringMatching(/HTTP 503/) });
    expect(logLines.some((l) => l.includes('"level":"warn"') && l.includes('DAREG not updated'))).toBe(true);
    expect(renderDatasetStatus(rec).join('\n')).toMatch(
      /dareg\s+0 calls sent · owed: dataset, log:storage[\s\S]*dareg failed\s+DAREG POST \/datasets\/: HTTP 503/,
    );

    dareg.down = false;
    await lifecyclePass();
    rec = await record(states, ds);
    expect(rec.dareg).toMatchObject({ due: [], failures: 0 });
    expect(rec.dareg!.lastError).toBeUndefined();
    expect(dareg.datasets.size).toBe(1);
    expect(dareg.datasets.get(rec.outputs.spaceId!)).toMatchObject({ invite_token: rec.outputs.inviteToken, public_URL: rec.outputs.publicUrl });
    expect(dareg.logs.map((l) => l.message)).toHaveLength(6);
  });

  it('a lost answer to the dataset POST does not register the dataset twice (in the same run)', async () => {
    // Guards: the lookup before a repeated POST (removed: the retry POSTs again and the register refuses a second dataset).
    const { deps, objects, states } = setUp();
    const { ds, job } = upload(objects);
    let lose = 1;
    dareg.loseAnswers = (m, p) => m === 'POST' && p === '/api/datasets/' && lose-- > 0;
    expect(await provisionDataset(job, deps)).toBe('provisioned');
    const rec = await record(states, ds);
    expect(dareg.calls().slice(0, 2)).toEqual(['POST /api/datasets/', `GET /api/datasets/${rec.outputs.spaceId}/`]);
    expect(count('POST /api/datasets/')).toBe(1);
    expect(dareg.datasets.size).toBe(1);
    expect(rec.dareg!.due).toEqual([]);
  });

  it('a dataset the register already has (fs2od registered it): the refused POST is checked with a GET, and the rest is sent', async () => {
    // Guards: the lookup after a 400 (removed: every run stops on the refusal and the register never gets the rest).
    const { deps, objects, states } = setUp();
    const { ds, job } = upload(objects);
    // The register has the space already when s3od's POST arrives.
    dareg.onRequest = (r) => {
      const id = (r.body as { space_id?: string } | undefined)?.space_id;
      if (r.method === 'POST' && r.path === '/api/datasets/' && id)
        dareg.datasets.set(id, { space_id: id, name: 'by fs2od', url: `${dareg.url}/datasets/${id}/` });
    };
    expect(await provisionDataset(job, deps)).toBe('provisioned');
    const rec = await record(states, ds);
    expect(dareg.requests.slice(0, 2).map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      'POST /api/datasets/ 400',
      `GET /api/datasets/${rec.outputs.spaceId}/ 200`,
    ]);
    expect(rec.dareg!.due).toEqual([]);
    expect(dareg.logs).toHaveLength(6);
  });

  it('a dataset POST whose answer was lost before the run stopped is looked up, not repeated, by the next run', async () => {
    // Guards: registerSentAt written before the first POST and read by later runs (removed: the
    // next run POSTs again).
    const { deps, objects, states, lifecyclePass } = setUp();
    const { ds, job } = upload(objects);
    // The POST is handled but its answer lost, and every other answer too: the run stops.
    dareg.loseAnswers = () => true;
    expect(await provisionDataset(job, deps)).toBe('provisioned');
    let rec = await record(states, ds);
    expect(rec.dareg!.registerSentAt).toBeDefined();
    expect(rec.dareg!.due[0]).toBe('dataset');
    expect(dareg.datasets.size).toBe(1);
    dareg.loseAnswers = undefined;
    await lifecyclePass();
    rec = await record(states, ds);
    expect(count('POST /api/datasets/')).toBe(1);
    expect(dareg.datasets.size).toBe(1);
    expect(rec.dareg!.due).toEqual([]);
    expect(dareg.logs).toHaveLength(6);
  });

  it('a log entry whose answer was lost is sent again by the next run: one extra entry, the others once', async () => {
    // Guards: each answered call recorded as it is answered, and log entries not retried when
    // they may have arrived (removed: the next run sends every entry again, or the run itself repeats it).
    const { deps, objects, states, lifecyclePass } = setUp();
    const { ds, job } = upload(objects);
    let logs = 0;
    dareg.loseAnswers = (m, p) => m === 'POST' && p === '/api/logs/' && ++logs === 3;
    expect(await provisionDataset(job, deps)).toBe('provisioned');
    let rec = await record(states, ds);
    expect(rec.dareg!.due[0]).toBe('log:group');
    expect(dareg.logs).toHaveLength(3);
    dareg.loseAnswers = undefined;
    await lifecyclePass();
    rec = await record(states, ds);
    expect(rec.dareg!.due).toEqual([]);
    expect(dareg.logs.map((l) => l.message)).toEqual([
      `Storage created: ${rec.outputs.storageId}`,
      `Space supported by ${sim.url}`,
      `Group created: ${rec.outputs.groupId}`,
      `Group created: ${rec.outputs.groupId}`,
      `Invite token created: ${rec.outputs.inviteTokenId}`,
      `Group ${rec.outputs.groupId} added to space ${rec.outputs.spaceId}`,
      'Processing done',
    ]);
  });

  it('never writes the token into a log line or the record, even when the register echoes it', async () => {
    // Guards: the token registered as a secret when the config is read, and DaregError built
    // from the answer without the request (removed: the 401's echo or axios' request config
    // carries the token into the warn line and lastError).
    setLogLevel('debug');
    const wrong = 'wrong-dareg-token-9a8b7c6d5e4f';
    const { deps, objects, states } = setUp(`dareg: { enabled: true, host: "${dareg.url}", token: ${wrong} }`);
    const { ds, job } = upload(objects);
    expect(await provisionDataset(job, deps)).toBe('provisioned');
    const rec = await record(states, ds);
    expect(dareg.requests[0]).toMatchObject({ status: 401, authorization: `Token ${wrong}` });
    expect(rec.dareg!.lastError).toMatch(/HTTP 401/);
    expect(logLines.some((l) => l.includes('DAREG not updated'))).toBe(true);
    expect(logLines.join('\n')).not.toContain(wrong);
    expect(JSON.stringify(rec)).not.toContain(wrong);
    // The doctor's check says the same, redacted.
    const ctx = { config: deps.config, secrets: () => deps.secrets, serviceSecrets: () => deps.secrets } as unknown as CliContext;
    const [check] = await checkDareg(ctx);
    expect(check).toMatchObject({ name: 'DAREG reachable', status: 'fail', detail: expect.stringMatching(/HTTP 401/) });
    expect(check!.detail).not.toContain(wrong);
  });

  it("never writes a dataset's invite token into the log or the record when the register echoes the PATCH", async () => {
    // Guards: the invite token registered as a secret before the calls (removed: a pass in a fresh
    // container, where provisioning never registered it, logs the register's echo of it).
    const config = testConfig(`dareg: { enabled: true, host: "${dareg.url}", token: ${TOKEN} }`);
    const invite = 'never-registered-invite-token-0d1e2f3a4b5c';
    const s = newDatasetState(datasetRef('facility', 'datasets', 'D'));
    s.status = 'provisioned';
    s.outputs = { spaceId: 'sp1', inviteToken: invite, publicUrl: 'https://zone/share/1' };
    planDareg(s, config);
    s.dareg!.due = ['access'];
    dareg.datasets.set('sp1', { url: `${dareg.url}/datasets/sp1/` });
    dareg.answer = (r) =>
      r.method === 'PATCH' ? { status: 400, body: { invite_token: [`${(r.body as { invite_token: string }).invite_token} is not valid`] } } : undefined;
    const holder = { record: s, save: async (edit: (x: DatasetState) => void) => edit(s) };
    await finishDareg({ config, secrets: {}, log: createLogger({ test: true }) }, holder);
    expect(dareg.requests[0]).toMatchObject({ method: 'PATCH', status: 400 });
    expect(s.dareg!.lastError).toMatch(/HTTP 400/);
    expect(logLines.some((l) => l.includes('DAREG not updated'))).toBe(true);
    expect(logLines.join('\n')).not.toContain(invite);
    expect(JSON.stringify(s.dareg)).not.toContain(invite);
  });

  it("an embargo's end: the access PATCH goes out again with the public URL, once", async () => {
    // Guards: replanAccess (removed: the register keeps public_URL null after the share is created).
    const config = testConfig(`dareg: { enabled: true, host: "${dareg.url}", token: ${TOKEN} }`);
    const s = newDatasetState(datasetRef('facility', 'datasets', 'E'));
    s.status = 'provisioned';
    // Held back by an embargo: no share, no public URL yet.
    s.outputs = { spaceId: 'sp9', inviteToken: 'invite-token-for-embargo-test-1234' };
    planDareg(s, config);
    const holder = { record: s, save: async (edit: (x: DatasetState) => void) => edit(s) };
    const deps = { config, secrets: {}, log: createLogger({ test: true }) };
    await finishDareg(deps, holder);
    expect(dareg.calls()).toEqual(['POST /api/datasets/', 'POST /api/logs/', 'PATCH /api/datasets/sp9/', 'POST /api/logs/']);
    expect(dareg.datasets.get('sp9')).toMatchObject({ invite_token: 'invite-token-for-embargo-test-1234', public_URL: null });
    // The embargo ends: the share exists now.
    s.outputs.publicUrl = 'https://zone.example.org/share/9';
    await finishDareg(deps, holder);
    expect(dareg.calls().slice(4)).toEqual(['PATCH /api/datasets/sp9/']);
    expect(dareg.datasets.get('sp9')).toMatchObject({ public_URL: 'https://zone.example.org/share/9' });
    await finishDareg(deps, holder);
    expect(dareg.requests).toHaveLength(5);
    expect(JSON.stringify(s.dareg)).not.toContain('invite-token-for-embargo');
  });

  it('disabled: nothing is planned or sent', async () => {
    // Guards: dareg.enabled (removed: every dataset would be registered).
    const { deps, objects, states } = setUp('');
    const { ds, job } = upload(objects);
    expect(await provisionDataset(job, deps)).toBe('provisioned');
    expect((await record(states, ds)).dareg).toBeUndefined();
    expect(dareg.requests).toEqual([]);
  });
});

describe('DAREG bookkeeping and checks', () => {
  it('a new space (the dataset deleted and provisioned again) is planned afresh; the same space keeps what was sent', () => {
    // Guards: planDareg's spaceId check (removed: the new space is never registered, or the old one twice).
    const config = testConfig('dareg: { enabled: true, host: dareg.example.org, token: abcdefgh12345678 }');
    const s = newDatasetState(datasetRef('facility', 'datasets', 'D'));
    s.outputs = { spaceId: 'sp1', storageId: 'st', supported: true, groupId: 'g', inviteToken: 'tok', member: true, publicUrl: 'u' };
    planDareg(s, config);
    s.dareg!.done = { dataset: 'x' };
    planDareg(s, config);
    expect(s.dareg!.due[0]).toBe('log:storage');
    s.outputs.spaceId = 'sp2';
    planDareg(s, config);
    expect(s.dareg).toMatchObject({ spaceId: 'sp2', done: {} });
    expect(s.dareg!.due[0]).toBe('dataset');
  });

  it('gives up after MAX_DAREG_FAILURES failed runs (shown by s3od status); s3od retry tries again', async () => {
    // Guards: the give-up bound (removed: every pass would call a register that refuses forever).
    const { deps, objects, states, lifecyclePass } = setUp();
    const { ds, job } = upload(objects);
    dareg.down = true;
    await provisionDataset(job, deps);
    await states.update(ds, (s) => void (s.dareg!.failures = MAX_DAREG_FAILURES));
    const seen = dareg.requests.length;
    await lifecyclePass();
    expect(dareg.requests.length).toBe(seen);
    expect(renderDatasetStatus(await record(states, ds)).join('\n')).toMatch(/gave up after 24 failed runs \(s3od retry\)/);
    const { recordRetryRequest } = await import('../../../infra/cli/commands/retry.ts');
    await states.update(ds, recordRetryRequest);
    dareg.down = false;
    await lifecyclePass();
    expect((await record(states, ds)).dareg!.due).toEqual([]);
  });

  it("s3od doctor: GET on the register's URL with the token", async () => {
    // Guards: checkDareg (removed: no line; a wrong host passes unnoticed).
    const { deps } = setUp();
    const ctx = { config: deps.config, secrets: () => deps.secrets, serviceSecrets: () => deps.secrets } as unknown as CliContext;
    expect(await checkDareg(ctx)).toEqual([{ name: 'DAREG reachable', status: 'ok', detail: `${dareg.url} (HTTP 200)` }]);
    expect(dareg.requests).toMatchObject([{ method: 'GET', path: '/api', authorization: `Token ${TOKEN}` }]);
    const off = { config: testConfig(), secrets: () => deps.secrets } as unknown as CliContext;
    expect(await checkDareg(off)).toEqual([]);
  });
});
