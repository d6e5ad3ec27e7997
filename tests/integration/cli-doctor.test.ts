import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DOCTOR_CORE_CHECKS, runCli, stackFileOf, stackSecrets, writeCliConfig } from '../helpers/cli.ts';
import { stackInfo } from '../helpers/stack-client.ts';

const info = stackInfo();
const stack = ['--stack', stackFileOf(info)];
const dir = mkdtempSync(join(tmpdir(), 's3od-cli-doctor-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The stack's config enables email (its local SMTP server).
const CHECKS = [...DOCTOR_CORE_CHECKS, 'SMTP reachable'];

describe('s3od doctor', () => {
  it('is all green against the local stack', async () => {
    const r = await runCli(['doctor', ...stack]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Other test files may leave jobs in a dead-letter queue (a warning, not a failure).
    for (const name of CHECKS)
      expect(r.stdout).toMatch(name.endsWith('queue') ? new RegExp(`^(✔ ${name}: |⚠ ${name}: .*dead-letter)`, 'm') : new RegExp(`^✔ ${name}: `, 'm'));
    expect(r.stdout).not.toMatch(/✘/);
    expect(r.stdout).toMatch(/bucket notifications: topic arn:aws:sns:default::s3od-events .*s3:ObjectCreated:\*, s3:ObjectRemoved:\*/);
    expect(r.stdout).toMatch(/versions compatible: Onezone 21\.02\.7, Oneprovider 21\.02\.7, Onepanel 21\.02\.7/);
    expect(r.stdout).toMatch(/Onezone token: user s3od-service/);
    expect(r.stdout).toMatch(/^12 checks: \d+ ok(, \d warnings)?$/m);
    expect(r.stdout).toMatch(/^✔ SMTP reachable: 127\.0\.0\.1:\d+ \(ANY\)$/m);
    for (const s of stackSecrets(info)) expect(r.stdout).not.toContain(s);
  });

  it('fails the check of a service that is down, with a hint, and exits 1', async () => {
    const config = writeCliConfig(info, dir, 'zone-down.yml', {
      restAccess: { onezone: { host: 'http://127.0.0.1:1' }, oneproviders: [{ host: info.onedataUrl, isPrimary: true }] },
      // One provider: no replicas (the stack's config asks for 2).
      dataReplication: { enabled: false },
    });
    const r = await runCli(['doctor', '--config', config, ...stack]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✘ Onezone reachable: onezone GET \/configuration → no response connectionError/m);
    expect(r.stdout).toMatch(/^ {4}hint: check restAccess\.onezone\.host \(http:\/\/127\.0\.0\.1:1\)/m);
    // What depends on Onezone is skipped, not failed twice; the rest still runs.
    expect(r.stdout).toMatch(/^- Onezone token: Onezone not reachable$/m);
    expect(r.stdout).toMatch(/^✔ Oneprovider reachable: /m);
    expect(r.stdout).toMatch(/^✔ S3 reachable: /m);
    expect(r.stdout).toMatch(/1 failed$/m);

    const json = JSON.parse((await runCli(['doctor', '--json', '--config', config, ...stack])).stdout);
    expect(json.ok).toBe(false);
    expect(json.checks.find((c: any) => c.name === 'Onezone reachable')).toMatchObject({
      status: 'fail',
      hint: expect.stringContaining('restAccess.onezone.host'),
    });
  });

  it('fails the S3 and notification checks for a bucket that does not exist', async () => {
    const config = writeCliConfig(info, dir, 'no-bucket.yml', { bucket: 'no-such-bucket-s3od' });
    const r = await runCli(['doctor', '--config', config, ...stack]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✘ S3 reachable: HeadBucket no-such-bucket-s3od/m);
    expect(r.stdout).toMatch(/hint: check S3OD_S3_ENDPOINT, the AWS credentials .* and that bucket "no-such-bucket-s3od" exists/);
    expect(r.stdout).toMatch(/^- bucket notifications: S3 not reachable$/m);
  });

  it('fails the SMTP check, naming the keys, when the mail server does not answer', async () => {
    const config = writeCliConfig(info, dir, 'smtp-down.yml', {
      messaging: { credentials: { email: { enabled: true, smtpServer: '127.0.0.1', smtpPort: 1, encryptionMethod: 'ANY', messageSender: 's3od@localhost' } } },
    });
    const r = await runCli(['doctor', '--config', config, ...stack]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✘ SMTP reachable: 127\.0\.0\.1:1 \(ANY\): /m);
    expect(r.stdout).toMatch(/hint: check messaging\.credentials\.email \(smtpServer, smtpPort/);
  });
});
