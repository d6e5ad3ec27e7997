import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { smtpMailer, transportOptions, type SmtpConfig } from '../../../shared/notifications/transport.ts';
import { startMailServer, type LocalMailServer } from '../../../infra/local/mail-server.ts';
import { testConfig } from '../../helpers/test-config.ts';

const FIXTURES = new URL('../../fixtures/smtp/', import.meta.url);
const CA = new URL('localhost.crt', FIXTURES).pathname;
const tls = { key: readFileSync(new URL('localhost.key', FIXTURES), 'utf8'), cert: readFileSync(CA, 'utf8') };

const config = (yaml: string): SmtpConfig =>
  testConfig(
    `messaging: { credentials: { email: { enabled: true, smtpServer: 127.0.0.1, messageSender: "s3od <s3od@example.org>", timeoutSeconds: 3, ${yaml} } } }`,
  ).messaging.email;

const mail = {
  from: 's3od <s3od@example.org>',
  to: ['user@example.org'],
  cc: [],
  bcc: ['ops@example.org'],
  subject: 'Ready',
  text: 'hello TOKEN',
  html: '<p>hello</p>',
  messageId: '<s3od.1@example.org>',
};

const started: LocalMailServer[] = [];
const dirs: string[] = [];
async function server(o: Partial<Parameters<typeof startMailServer>[0]> = {}): Promise<LocalMailServer> {
  const mailDir = mkdtempSync(join(tmpdir(), 's3od-mail-'));
  dirs.push(mailDir);
  const s = await startMailServer({ port: 0, mailDir, ...o });
  started.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('SMTP transport', () => {
  it('maps each method to nodemailer: implicit TLS, required STARTTLS, plain; AUTH only with login and password; timeouts', () => {
    expect(transportOptions(config('encryptionMethod: SSL'), undefined)).toMatchObject({ port: 465, secure: true, requireTLS: false, connectionTimeout: 3000 });
    expect(transportOptions(config('encryptionMethod: STARTTLS'), 'pw')).toMatchObject({ port: 587, secure: false, requireTLS: true });
    expect(transportOptions(config('encryptionMethod: STARTTLS'), 'pw')).not.toHaveProperty('auth');
    expect(transportOptions(config('encryptionMethod: ANY, login: me'), 'pw')).toMatchObject({
      port: 25,
      secure: false,
      requireTLS: false,
      auth: { user: 'me', pass: 'pw' },
    });
    expect(transportOptions(config('encryptionMethod: ANY'), 'pw').tls).toMatchObject({ rejectUnauthorized: true });
  });

  it('sends over STARTTLS to a server with a self-signed certificate trusted through caFile, with AUTH; the .eml is the real message', async () => {
    const s = await server({ tls, requireTls: true, users: { s3od: 'secret-pw' } });
    const m = smtpMailer(config(`encryptionMethod: STARTTLS, smtpPort: ${s.port}, login: s3od, caFile: ${CA}`), 'secret-pw');
    const r = await m.send(mail);
    expect(r).toEqual({ accepted: ['user@example.org', 'ops@example.org'], rejected: [] });
    expect(s.messages()).toHaveLength(1);
    const parsed = await simpleParser(readFileSync(s.messages()[0]!));
    expect(parsed.subject).toBe('Ready');
    expect(parsed.text?.trim()).toBe('hello TOKEN');
    expect(parsed.messageId).toBe('<s3od.1@example.org>');
    // Bcc is an envelope recipient only: never a header the other recipients see.
    expect(parsed.headers.has('bcc')).toBe(false);
  });

  it('refuses the self-signed certificate without caFile (certificates are always verified)', async () => {
    const s = await server({ tls });
    const m = smtpMailer(config(`encryptionMethod: STARTTLS, smtpPort: ${s.port}`), undefined);
    await expect(m.send(mail)).rejects.toThrow(/certificate/i);
    expect(s.messages()).toHaveLength(0);
  });

  it('STARTTLS is required, never a silent plain-text fallback, when the server does not offer it', async () => {
    const s = await server();
    const m = smtpMailer(config(`encryptionMethod: STARTTLS, smtpPort: ${s.port}`), undefined);
    await expect(m.send(mail)).rejects.toThrow(/STARTTLS/i);
    expect(s.messages()).toHaveLength(0);
  });

  it('refuses a wrong password (AUTH) and verifies the connection for s3od doctor', async () => {
    const s = await server({ users: { s3od: 'right' } });
    await expect(smtpMailer(config(`encryptionMethod: ANY, smtpPort: ${s.port}, login: s3od`), 'wrong').send(mail)).rejects.toThrow(/Invalid|auth/i);
    await expect(smtpMailer(config(`encryptionMethod: ANY, smtpPort: ${s.port}, login: s3od`), 'right').verify()).resolves.toBeUndefined();
  });
});
