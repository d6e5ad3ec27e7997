import { smtpMailer, type Mailer } from '../notifications/transport.ts';
import type { Runtime } from './index.ts';

const mailers = new WeakMap<Runtime, Mailer>();

/**
 * The SMTP mailer of a function container, when email is enabled (built once: nodemailer keeps
 * no connection between sends unless pooled, so it holds nothing stale). Warnings about the
 * email config (fs2od's STRATTLS, a language without templates) are logged once here.
 */
export function runtimeMailer(rt: Runtime): Mailer | undefined {
  const email = rt.config.messaging.email;
  if (!email.enabled) return undefined;
  let m = mailers.get(rt);
  if (!m) {
    for (const w of email.warnings) rt.log.warn('email configuration', { warning: w });
    m = smtpMailer(email, rt.secrets().smtpPassword);
    mailers.set(rt, m);
  }
  return m;
}
