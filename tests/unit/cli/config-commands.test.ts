import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { parseConfig } from '../../../shared/config/index.ts';
import { runCli } from '../../helpers/cli.ts';

const FIXTURES = new URL('../../fixtures/fs2od/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 's3od-cli-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = /FIXTURE-[A-Z-]+TOKEN|FIXTURE-SMTP-PASSWORD|FIXTURE-ONLY-SECRET/;

describe('s3od config check', () => {
  it('says ok with a summary for a valid file', async () => {
    const r = await runCli(['config', 'check', 'infra/config/s3od.example.yml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/s3od\.example\.yml: ok/);
    expect(r.stdout).toMatch(/bucket\s+facility/);
    expect(r.stdout).toMatch(/storageMode\s+s3/);
  });

  it('lists every problem as key: message and exits 1', async () => {
    const file = join(dir, 'bad.yml');
    writeFileSync(
      file,
      'bucket: Bad_Bucket\nwatchedDirectories: [/abs]\nstorageMode: nfs\nrestAccess:\n  onezone:\n    host: z\n    apiToken: abc\n  oneproviders: []\ntypo: 1\n',
    );
    const r = await runCli(['config', 'check', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ {2}bucket: must be a valid S3 bucket name/m);
    expect(r.stdout).toMatch(/^ {2}watchedDirectories\[0\]: is a key prefix/m);
    expect(r.stdout).toMatch(/^ {2}storageMode: must be "s3" or "posix"/m);
    expect(r.stdout).toMatch(/^ {2}restAccess\.onezone\.apiToken: secrets do not belong/m);
    expect(r.stdout).toMatch(/^ {2}typo: is not a known key/m);
    expect(r.stdout).toMatch(/^ {2}institutionName: is required/m);
  });

  it('exits 1 for a missing file and 2 without one', async () => {
    expect((await runCli(['config', 'check', join(dir, 'nope.yml')])).code).toBe(1);
    const usage = await runCli(['config', 'check']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/missing FILE/);
  });
});

describe('s3od config import-fs2od', () => {
  it('translates a full fs2od config: same keys copied, secrets never, the rest reported', async () => {
    const r = await runCli(['config', 'import-fs2od', join(FIXTURES, 'config.yaml'), '--mount-root', '/volume/facility']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(SECRET);
    expect(r.stderr).not.toMatch(SECRET);
    expect(r.stdout).not.toMatch(/apiToken|password|dareg\.token|FIXTURE-DAREG|sleepFactor|verboseLevel/);
    const doc = load(r.stdout) as Record<string, any>;
    expect(doc.watchedDirectories).toEqual(['cryoem/krios1', 'cryoem/glacios']);
    expect(doc.posixStorage.mountRoot).toBe('/volume/facility');
    expect(doc.storageMode).toBe('posix');
    expect(doc.metadataFiles).toEqual(['SPA.yml', 'metadata.yml']);
    expect(doc.metadataFileTags).toEqual({
      onedata: 'Onedata2',
      onezone: 'Onezone',
      space: 'Space',
      inviteToken: 'InviteToken',
      publicURL: 'PublicURL',
      deniedProviders: 'DeniedProviders',
      removingTime: 'RemovingTime',
    });
    expect(doc.fs2odMetadataFile).toEqual({ enabled: true, filename: '.fs2od', storeAccessInfo: true });
    expect(doc.continousFileImport.detectDeletions).toBe(true);
    expect(doc).toMatchObject({
      institutionName: 'CEITEC MU',
      datasetPrefix: 'cryo_',
      testMode: true,
      testModePrefix: 'test123_',
      implicitSpaceSize: 10995116277760,
    });
    expect(doc.restAccess.oneproviders).toEqual([
      { host: 'oneprovider.facility.example.org', isPrimary: true },
      { host: 'oneprovider2.example.org', isPrimary: false, storageIds: ['5a1c0ffee0000000000000000000000a'] },
    ]);
    // Every fs2od key without an equivalent is named with what happens instead.
    for (const key of ['verboseLevel', 'sleepFactor', 'initialPOSIXlikePermissions', 'metadataFileTags.lastProgramRun']) {
      expect(r.stderr).toMatch(new RegExp(`^ {2}${key.replace('.', '\\.')}: \\S`, 'm'));
    }
    expect(r.stderr).toMatch(/S3OD_LOG_LEVEL/);
    expect(r.stderr).toMatch(/restAccess\.onezone\.apiToken: set S3OD_ONEZONE_TOKEN/);
    expect(r.stderr).toMatch(/restAccess\.oneproviders\[0\]\.apiToken: set S3OD_ONEPROVIDER_TOKEN/);
    // DAREG maps to the adapter (docs/dareg.md): its keys copied, its token to the environment.
    expect(doc.dareg).toEqual({ enabled: false, host: 'https://dareg.example.com', origin_instance_pk: 1 });
    expect(r.stderr).toMatch(/dareg\.token: set S3OD_DAREG_TOKEN/);
    expect(r.stderr).toMatch(/messaging\.credentials\.email\.password: set S3OD_SMTP_PASSWORD/);
    // The bucket is s3od-only: a marked placeholder, and said so.
    expect(r.stdout).toMatch(/^bucket: change-me-facility-bucket {2}# CHANGE ME/m);
    expect(r.stderr).toMatch(/placeholders to fill in[\s\S]*bucket:/);
    expect(() => parseConfig(r.stdout)).not.toThrow();
  });

  // Guards the copying of messaging.* and dataReplication.* (COPIED_AFTER_ACCESS in
  // infra/cli/lib/fs2od-config.ts) and where their secrets are said to go (secretInstead): s3od's
  // loader reads these sections under fs2od's names, so dropping them loses working settings.
  it("carries fs2od's e-mail and replication settings over, and says where their secrets go instead", async () => {
    const r = await runCli(['config', 'import-fs2od', join(FIXTURES, 'config.yaml'), '--mount-root', '/volume/facility', '--bucket', 'facility']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(SECRET);
    const doc = load(r.stdout) as Record<string, any>;
    expect(doc.dataReplication).toEqual({ enabled: true, numberOfReplicas: 2, timeUntilRemoved: '7d', removeFromFilesystem: false });
    expect(doc.messaging).toEqual({
      credentials: {
        email: {
          enabled: true,
          smtpServer: 'smtp.example.org',
          smtpPort: 587,
          login: 'fs2od@example.org',
          encryptionMethod: 'STARTTLS',
          messageSender: 'fs2od@example.org',
        },
      },
      email: { to: { space_creation: ['ops@example.org'], space_deletion: ['ops@example.org'] }, timeBeforeAction: ['1m', '7d', '1d', '2h'], language: 'EN' },
    });
    // Nothing of theirs is reported as lost any more.
    expect(r.stderr).not.toMatch(/^ {2}(messaging|dataReplication)\b.*(no e-mail|primary Oneprovider only|not needed)/m);
    expect(r.stderr).toMatch(/^ {2}messaging\.credentials\.email\.password: set S3OD_SMTP_PASSWORD in the environment/m);
    expect(r.stderr).toMatch(/^ {2}restAccess\.oneproviders\[1\]\.apiToken: no per-provider token .*S3OD_ONEPROVIDER_TOKEN .*oneprovider2\.example\.org/m);
    // s3od's own validation reads them as fs2od meant them.
    const c = parseConfig(r.stdout);
    expect(c.messaging.email).toMatchObject({ enabled: true, smtpServer: 'smtp.example.org', login: 'fs2od@example.org', encryptionMethod: 'STARTTLS' });
    expect(c.lifecycle.timeBeforeAction).toEqual(['1m', '7d', '1d', '2h']);
    expect(c.dataReplication).toMatchObject({ enabled: true, numberOfReplicas: 2, timeUntilRemoved: '7d' });
  });

  // Guards fitReplication, fitDurations and fitEmail (infra/cli/lib/fs2od-config.ts): values fs2od
  // ran with but s3od refuses are converted (marked CHECK) or replaced by placeholders, so the
  // output still passes `s3od config check`.
  it('fits fs2od values s3od would refuse: capped replicas, unparseable durations, STRATTLS, list-form recipients', async () => {
    const file = join(dir, 'odd-fs2od.yaml');
    writeFileSync(
      file,
      `watchedDirectories: [/mnt/data/datasets]
institutionName: X
userGroupId: u
serviceUserId: s
managerGroupId: m
restAccess:
  onezone: { host: z.example.org, apiToken: "" }
  oneproviders:
    - { host: p1.example.org, apiToken: FIXTURE-A-TOKEN-xxxxxxxx, isPrimary: true }
    - { host: p2.example.org, apiToken: FIXTURE-B-TOKEN-xxxxxxxx, storageIds: [""] }
dataReplication: { enabled: true, numberOfReplicas: 3, timeUntilRemoved: "7 days", removeFromFilesystem: false }
messaging:
  credentials:
    email: { enabled: true, smtpServer: smtp.example.org, smtpPort: 0, login: me, password: "12345678", encryptionMethod: STRATTLS, messageSender: "" }
  email:
    to:
      - space_creation: ["metadata:User->Email"]
      - space_deletion: [ops@example.org]
    timeBeforeAction: [1m, 2 weeks, 1d]
`,
    );
    const out = join(dir, 'odd-s3od.yml');
    const r = await runCli(['config', 'import-fs2od', file, '--mount-root', '/mnt/data', '--bucket', 'facility', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(out, 'utf8');
    expect(text).not.toMatch(/FIXTURE|12345678|password/);
    expect(r.stderr).not.toMatch(/FIXTURE|12345678/);
    const doc = load(text) as Record<string, any>;
    expect(doc.dataReplication).toMatchObject({ numberOfReplicas: 2, timeUntilRemoved: 'never' });
    expect(doc.restAccess.oneproviders[1].storageIds).toEqual(['CHANGE-ME-storage-id']);
    expect(doc.messaging.credentials.email).toMatchObject({ encryptionMethod: 'STARTTLS', messageSender: 'change-me@example.org' });
    expect(doc.messaging.email.to).toEqual({ space_creation: ['metadata:User->Email'], space_deletion: ['ops@example.org'] });
    expect(doc.messaging.email.timeBeforeAction).toEqual(['1m', '1d']);
    expect(text).toMatch(/numberOfReplicas: 2 {2}# CHECK: 3 in the fs2od file/);
    expect(text).toMatch(/messageSender: change-me@example\.org {2}# CHANGE ME/);
    expect(r.stderr).toMatch(/^ {2}restAccess\.oneproviders\[1\]\.storageIds: the storage p2\.example\.org keeps replicas on/m);
    expect(r.stderr).toMatch(/^ {2}messaging\.credentials\.email\.password: set S3OD_SMTP_PASSWORD/m);
    const check = await runCli(['config', 'check', out]);
    expect(check.code, check.stdout).toBe(0);
    expect(check.stderr).toMatch(/placeholders still to fill in: .*storageIds.*messageSender/);
  });

  it('fills placeholders for what fs2od allowed to be empty; the output passes config check', async () => {
    const out = join(dir, 'translated.yml');
    const r = await runCli([
      'config',
      'import-fs2od',
      join(FIXTURES, 'minimal.yaml'),
      '--out',
      out,
      '--bucket',
      'facility',
      '--storage-mode',
      's3',
      '--s3-endpoint',
      'https://s3.example.org',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const text = readFileSync(out, 'utf8');
    expect(text).not.toMatch(SECRET);
    expect(text).toMatch(/^managerGroupId: CHANGE-ME-managerGroupId {2}# CHANGE ME/m);
    expect(text).toMatch(/host: https:\/\/change-me\.onezone\.example\.org {2}# CHANGE ME/);
    expect(text).toMatch(/watchedDirectories: \[mnt\/data\/datasets\] {2}# CHECK/);
    expect(r.stderr).toMatch(/\/mnt\/data\/datasets is a filesystem path/);
    expect(r.stderr).toMatch(/restAccess\.oneproviders\[0\]\.apiToken/);
    const check = await runCli(['config', 'check', out]);
    expect(check.code).toBe(0);
    expect(check.stdout).toMatch(/: ok/);
    expect(check.stderr).toMatch(/placeholders still to fill in: .*managerGroupId/);
  });

  it('rejects a file that is not YAML', async () => {
    const r = await runCli(['config', 'import-fs2od', join(FIXTURES, 'broken.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not valid YAML/);
  });
});

describe('s3od without a command or configuration', () => {
  it('prints help, and tells usage errors apart (exit 2)', async () => {
    expect((await runCli(['--help'])).code).toBe(0);
    expect((await runCli([])).code).toBe(2);
    const unknown = await runCli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command "frobnicate"/);
    const badOption = await runCli(['status', '--frob']);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toMatch(/Try: s3od status --help/);
    const noConfig = await runCli(['status']);
    expect(noConfig.code).toBe(2);
    expect(noConfig.stderr).toMatch(/no configuration: pass --config FILE/);
  });
  // Guards the `Try: s3od --help` lines in run() (infra/cli/main.ts) for an unknown command and a
  // command group named alone: docs/cli.md says every usage error's message ends with one.
  it('ends every usage error with Try: … --help, an unknown command and a group alone included', async () => {
    for (const argv of [['frobnicate'], ['config'], ['lifecycle'], ['--frob'], ['status', '--frob'], ['config', 'check']]) {
      const r = await runCli(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr.trimEnd().split('\n').at(-1), argv.join(' ')).toMatch(/^Try: s3od( [a-z-]+)* --help$/);
    }
    // Asking a group for help is not an error.
    const help = await runCli(['config', '--help']);
    expect(help.code).toBe(0);
    expect(help.stderr).not.toMatch(/Try:/);
  });

  // Guards the help texts (mainHelp in infra/cli/main.ts, CONFIG_HELP in infra/cli/lib/command.ts)
  // and the no-configuration message (infra/cli/lib/context.ts): S3OD_CONFIG_YAML is read first.
  it('names S3OD_CONFIG_YAML, which is read before S3OD_CONFIG, wherever the configuration sources are listed', async () => {
    const main = await runCli(['--help']);
    expect(main.stdout).toMatch(/neither\s+S3OD_CONFIG_YAML \(inline YAML\) if set, else S3OD_CONFIG \(a path\)/);
    const status = await runCli(['status', '--help']);
    expect(status.stdout).toMatch(/Without either: S3OD_CONFIG_YAML \(inline YAML\), else S3OD_CONFIG \(a path\)/);
    const none = await runCli(['status']);
    expect(none.stderr).toMatch(/set S3OD_CONFIG \(a path\) or S3OD_CONFIG_YAML \(inline YAML\)/);
    // And the order is the code's: inline YAML wins over a path.
    const both = await runCli(['status'], { env: { S3OD_CONFIG_YAML: 'bucket: [', S3OD_CONFIG: 'infra/config/s3od.example.yml' } });
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/invalid S3OD_CONFIG_YAML/);
  });

  it('has --help for every command', async () => {
    for (const cmd of [
      ['status'],
      ['retry'],
      ['backfill'],
      ['doctor'],
      ['config', 'check'],
      ['config', 'import-fs2od'],
      ['stats'],
      ['notifications', 'setup'],
      ['access'],
      ['lifecycle', 'run'],
      ['delete'],
    ]) {
      const r = await runCli([...cmd, '--help']);
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: s3od ${cmd.join(' ')}`));
    }
  });
});
