/**
 * The email section of the config (docs/notifications.md), with fs2od's keys where the meaning is
 * the same (`messaging.credentials.email.*`, `messaging.email.*`). The SMTP password is a secret:
 * it comes from S3OD_SMTP_PASSWORD only, so the config key fs2od had is refused by name.
 */
import { RECIPIENT_HINT, parseRecipient } from '../notifications/recipients.ts';
import { LANGUAGES, templateProblems } from '../notifications/templates.ts';
import { parseDuration } from '../lifecycle/duration.ts';
import type { Reader } from './reader.ts';
import type { EncryptionMethod, S3odConfig } from './schema.ts';

const METHODS: Record<string, EncryptionMethod> = { SSL: 'SSL', TLS: 'SSL', STARTTLS: 'STARTTLS', ANY: 'ANY' };
/** fs2od's validation list had this typo; its config files may carry it, so it is kept as an alias (with a warning). */
const FS2OD_TYPO = 'STRATTLS';
const ADDRESS = /^(?:[^<>]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/;

export function readMessaging(r: Reader): S3odConfig['messaging'] {
  const base = 'messaging.credentials.email';
  const enabled = r.boolean(`${base}.enabled`, false);
  // Read every key even when disabled, so typos are still reported; only checks that need the
  // feature (a server, a sender) are skipped, as in fs2od.
  const smtpServer = r.string(`${base}.smtpServer`, '');
  if (enabled && smtpServer.trim() === '') r.problem(`${base}.smtpServer`, 'is required when email is enabled');
  const rawMethod = r.string(`${base}.encryptionMethod`, 'STARTTLS').trim().toUpperCase();
  const warnings: string[] = [];
  let encryptionMethod: EncryptionMethod = 'STARTTLS';
  if (rawMethod === FS2OD_TYPO) warnings.push(`${base}.encryptionMethod: "STRATTLS" (fs2od's typo) is read as STARTTLS; write STARTTLS`);
  else if (METHODS[rawMethod]) encryptionMethod = METHODS[rawMethod];
  else r.problem(`${base}.encryptionMethod`, `must be SSL (or TLS: implicit TLS), STARTTLS or ANY (got ${JSON.stringify(rawMethod)})`);
  const port = r.number(`${base}.smtpPort`, 0, { min: 0, max: 65535, integer: true });
  const messageSender = r.string(`${base}.messageSender`, '');
  if (enabled && !ADDRESS.test(messageSender.trim())) r.problem(`${base}.messageSender`, 'must be "addr@host" or "Name <addr@host>" when email is enabled');
  if (r.string(`${base}.password`, '') !== '') r.problem(`${base}.password`, 'must not be in the config file: set the environment variable S3OD_SMTP_PASSWORD');

  const to = (event: string, def: string[]): string[] => {
    const key = `messaging.email.to.${event}`;
    const list = r.stringList(key, def);
    list.forEach((entry, i) => {
      if (entry.trim() !== '' && !parseRecipient(entry)) r.problem(`${key}[${i}]`, `${RECIPIENT_HINT} (got ${JSON.stringify(entry)})`);
    });
    return list;
  };
  // The templates ship with the code; checked here too so a bad build never starts sending.
  if (enabled) for (const p of templateProblems()) r.problem('messaging.email', p);
  const language = r.string('messaging.email.language', 'en').trim().toLowerCase();
  if (!/^[a-z]{2}$/.test(language)) r.problem('messaging.email.language', `must be an ISO 639-1 code such as "en" or "sk" (got ${JSON.stringify(language)})`);
  return {
    email: {
      enabled,
      smtpServer: smtpServer.trim(),
      // fs2od's rule: 0 means the method's usual port.
      smtpPort: port || (encryptionMethod === 'SSL' ? 465 : encryptionMethod === 'STARTTLS' ? 587 : 25),
      login: r.string(`${base}.login`, ''),
      encryptionMethod,
      messageSender: messageSender.trim(),
      timeoutSeconds: r.number(`${base}.timeoutSeconds`, 10, { min: 1, max: 120 }),
      caFile: r.string(`${base}.caFile`, ''),
      // A language without templates falls back to English (fs2od's rule), said once at start.
      language: LANGUAGES.includes(language) ? language : 'en',
      to: {
        // Default: the person the facility's software names in the file, as the demo's SPA.yml does.
        spaceCreation: to('space_creation', ['metadata:User->Email']),
        spaceDeletion: to('space_deletion', ['metadata:User->Email']),
        failure: to('failure', []),
      },
      // fs2od's reminder offsets before expiry; the lifecycle pass merges them with lifecycle.timeBeforeAction.
      timeBeforeAction: readReminders(r),
      warnings:
        language && !LANGUAGES.includes(language) && /^[a-z]{2}$/.test(language)
          ? [...warnings, `messaging.email.language: no "${language}" templates; English is used`]
          : warnings,
    },
  };
}

/** fs2od's reminder offsets (same grammar as lifecycle.timeBeforeAction; `never`/`now` dropped, as fs2od did). */
function readReminders(r: Reader): string[] {
  const key = 'messaging.email.timeBeforeAction';
  const list = r.stringList(key, []);
  const out: string[] = [];
  list.forEach((text, i) => {
    const d = parseDuration(text);
    if (!d) r.problem(`${key}[${i}]`, 'must be a duration like "1m", "7d" or "2h"');
    else if (d.kind === 'after') out.push(text.trim());
  });
  return out;
}
