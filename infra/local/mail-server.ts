/**
 * The local stack's SMTP server (npm's smtp-server): accepts every message on 127.0.0.1 and writes
 * it, exactly as received, to `<mailDir>/<time>-<n>.eml`, so a newcomer opens the demo's mail and
 * tests read what s3od really sent. STARTTLS when given a certificate; AUTH optional (any login
 * is accepted unless `users` is given).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface LocalMailServer {
  port: number;
  mailDir: string;
  /** Messages written so far (paths), oldest first. */
  messages(): string[];
  close(): Promise<void>;
}

export interface MailServerOptions {
  port: number;
  mailDir: string;
  /** PEM key and certificate: STARTTLS is offered (and `requireTls` makes the server insist on it). */
  tls?: { key: string; cert: string };
  requireTls?: boolean;
  /** When set, AUTH is required and only these logins are accepted. */
  users?: Record<string, string>;
}

export async function startMailServer(o: MailServerOptions): Promise<LocalMailServer> {
  mkdirSync(o.mailDir, { recursive: true });
  const written: string[] = [];
  let n = 0;
  const options: SMTPServerOptions = {
    secure: false,
    ...(o.tls ? { key: o.tls.key, cert: o.tls.cert } : { disabledCommands: ['STARTTLS'] }),
    authOptional: !o.users,
    // Plain-text AUTH is fine on 127.0.0.1; a real server would demand TLS first.
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, done) {
      if (!o.users || o.users[auth.username ?? ''] === auth.password) return done(null, { user: auth.username });
      done(new Error('Invalid username or password'));
    },
    onMailFrom(_address, session, done) {
      if (o.requireTls && !session.secure) return done(Object.assign(new Error('Must issue a STARTTLS command first'), { responseCode: 530 }));
      done();
    },
    onData(stream, _session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const file = join(o.mailDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${String(++n).padStart(4, '0')}.eml`);
        writeFileSync(file, Buffer.concat(chunks));
        written.push(file);
        done();
      });
    },
  };
  const server = new SMTPServer(options);
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => resolve((server.server.address() as { port: number }).port));
  });
  return {
    port,
    mailDir: o.mailDir,
    messages: () => [...written],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
