/**
 * The SMTP transport (nodemailer) from the config's `messaging.credentials.email` section: implicit
 * TLS (`SSL`/`TLS`), STARTTLS (required: a server that does not offer it is refused, never a silent
 * plain-text fallback), or `ANY` (plain, upgraded when the server offers it). AUTH only when both
 * a login and S3OD_SMTP_PASSWORD are set. Certificates are always verified; `caFile` adds a CA for
 * an on-premises server with its own.
 */
import { readFileSync } from 'node:fs';
import type { Transporter } from 'nodemailer';
import type { S3odConfig } from '../config/schema.ts';

export type MailAddress = string | { name: string; address: string };

/** One message as s3od sends it. */
export interface OutgoingMail {
  from: string;
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  subject: string;
  text: string;
  html: string;
  /** Groups a dataset's messages in mail clients and lets a recipient's server drop exact repeats. */
  messageId: string;
}

/** What the server accepted and refused, by address. */
export interface SendResult {
  accepted: string[];
  rejected: string[];
}

/** The one thing the notifications module needs from a mail system (tests substitute it). */
export interface Mailer {
  send(mail: OutgoingMail): Promise<SendResult>;
  /** Connects and says EHLO (and AUTH): `s3od doctor`. */
  verify(): Promise<void>;
}

export type SmtpConfig = S3odConfig['messaging']['email'];

/** nodemailer's transport options for this config (pure: unit-tested without a server). */
export function transportOptions(email: SmtpConfig, password: string | undefined): Record<string, unknown> {
  const timeout = email.timeoutSeconds * 1000;
  const auth = email.login && password ? { user: email.login, pass: password } : undefined;
  return {
    host: email.smtpServer,
    port: email.smtpPort,
    secure: email.encryptionMethod === 'SSL',
    requireTLS: email.encryptionMethod === 'STARTTLS',
    ...(auth ? { auth } : {}),
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    tls: { rejectUnauthorized: true, minVersion: 'TLSv1.2', ...(email.caFile ? { ca: readFileSync(email.caFile, 'utf8') } : {}) },
  };
}

export function smtpMailer(email: SmtpConfig, password: string | undefined): Mailer {
  // nodemailer is loaded at the first message, not at the function's start: most invocations send
  // none, and its initialisation would be part of every cold start (provision's included).
  let transport: Promise<Transporter> | undefined;
  const connect = (): Promise<Transporter> =>
    (transport ??= import('nodemailer').then((m) => (m.default ?? m).createTransport(transportOptions(email, password))));
  return {
    async send(mail) {
      const info = await (await connect()).sendMail({ ...mail, messageId: mail.messageId });
      const addr = (a: unknown) => (typeof a === 'string' ? a : ((a as { address?: string })?.address ?? ''));
      return { accepted: (info.accepted ?? []).map(addr), rejected: (info.rejected ?? []).map(addr) };
    },
    async verify() {
      await (await connect()).verify();
    },
  };
}
