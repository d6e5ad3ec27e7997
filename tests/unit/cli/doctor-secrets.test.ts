/**
 * `s3od doctor` without S3OD_ONEZONE_TOKEN, with e-mail and DAREG enabled: every check still gives
 * its line and the summary is printed (docs/cli.md, `s3od doctor`). The SMTP server and the DAREG
 * fake run on 127.0.0.1; S3, the queues and Onedata point at a closed port and simply fail.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMailServer, type LocalMailServer } from '../../../infra/local/mail-server.ts';
import { DOCTOR_CORE_CHECKS, runCli } from '../../helpers/cli.ts';
import { FakeDareg } from '../../helpers/dareg-server.ts';
import { testConfigYaml } from '../../helpers/test-config.ts';

const SMTP_PASSWORD = 'smtp-password-for-doctor-1234';
const DAREG_TOKEN = 'dareg-token-for-doctor-5678';
const CLOSED = 'http://127.0.0.1:1';

const dir = mkdtempSync(join(tmpdir(), 's3od-cli-doctor-'));
let mail: LocalMailServer;
let dareg: FakeDareg;
let configFile: string;

beforeAll(async () => {
  mail = await startMailServer({ port: 0, mailDir: join(dir, 'mail'), users: { s3od: SMTP_PASSWORD } });
  dareg = await new FakeDareg(DAREG_TOKEN).start();
  configFile = join(dir, 's3od.yml');
  writeFileSync(
    configFile,
    testConfigYaml(`restAccess: { onezone: { host: "${CLOSED}" }, oneproviders: [{ host: "${CLOSED}" }] }
messaging:
  credentials:
    email: { enabled: true, smtpServer: 127.0.0.1, smtpPort: ${mail.port}, encryptionMethod: ANY, login: s3od, messageSender: "s3od@example.org", timeoutSeconds: 3 }
dareg: { enabled: true, host: "${dareg.url}" }
`),
  );
});

afterAll(async () => {
  await mail?.close();
  await dareg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Explicit keys: without them the SDK would look for credentials on an instance-metadata address. */
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  S3OD_S3_ENDPOINT: CLOSED,
  AWS_ACCESS_KEY_ID: 'doctor-test-key',
  AWS_SECRET_ACCESS_KEY: 'doctor-test-secret-key',
  AWS_REGION: 'us-east-1',
  ...extra,
});

describe('s3od doctor without the Onezone token', () => {
  // Guards checkMail and checkDareg reading only their own secrets (CliContext.serviceSecrets) in
  // infra/cli/lib/doctor-checks.ts: with ctx.secrets() there, the missing Onezone token made the
  // DAREG check throw (doctor printed no check line at all) and the SMTP check report it.
  it('prints every check line, SMTP and DAREG checked with their own secrets, and the summary', async () => {
    const r = await runCli(['doctor', '--config', configFile], { env: env({ S3OD_SMTP_PASSWORD: SMTP_PASSWORD, S3OD_DAREG_TOKEN: DAREG_TOKEN }) });
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    for (const name of [...DOCTOR_CORE_CHECKS, 'SMTP reachable', 'DAREG reachable'])
      expect(
        lines.some((l) => l.includes(` ${name}: `)),
        `${name} in\n${r.stdout}\n${r.stderr}`,
      ).toBe(true);
    expect(r.stdout).toMatch(/^✘ Onezone token: S3OD_ONEZONE_TOKEN environment variable is required/m);
    expect(r.stdout).toMatch(/^✔ SMTP reachable: 127\.0\.0\.1:\d+ \(ANY, AUTH\)$/m);
    expect(r.stdout).toMatch(/^✔ DAREG reachable: http:\/\/127\.0\.0\.1:\d+\/api \(HTTP 200\)$/m);
    expect(r.stdout).toMatch(/^13 checks: 2 ok, 9 failed$/m);
    expect(r.stdout + r.stderr).not.toContain(SMTP_PASSWORD);
    expect(r.stdout + r.stderr).not.toContain(DAREG_TOKEN);
  });

  it('fails the DAREG check with a hint when no DAREG token is set either', async () => {
    const r = await runCli(['doctor', '--config', configFile], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✘ DAREG reachable: http:\/\/127\.0\.0\.1:\d+\/api: no token$/m);
    expect(r.stdout).toMatch(/^ {4}hint: check dareg\.host and the token \(S3OD_DAREG_TOKEN/m);
    // Without a password no AUTH is tried (fs2od's rule: login and password), so the server is reachable.
    expect(r.stdout).toMatch(/^✔ SMTP reachable: 127\.0\.0\.1:\d+ \(ANY, AUTH\)$/m);
    expect(r.stdout).toMatch(/^13 checks: /m);
  });
});
