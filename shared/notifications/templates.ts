/**
 * Mail templates: plain text and HTML per event and language, English and Slovak (fs2od shipped
 * both; another language falls back to English). They live in code, not files, so the bundled
 * functions carry them. `$name` is replaced by a variable (fs2od's syntax); every variable a
 * template uses must be one its event declares — checked at start (`templateProblems`), so a typo
 * fails the deployment, not a mail.
 *
 * The subject rule (fs2od's, kept): the first line of the text template is the subject when the
 * second line is blank; the body is the rest. A template without that shape gets `DEFAULT_SUBJECT`.
 */
import { DATASET_PUBLISHED_EN, DATASET_PUBLISHED_SK } from './templates/dataset-published.ts';
import { DATASET_READY_EN, DATASET_READY_SK } from './templates/dataset-ready.ts';
import { EXPIRED_EN, EXPIRED_SK, EXPIRY_SCHEDULED_EN, EXPIRY_SCHEDULED_SK, REMINDER_EN, REMINDER_SK } from './templates/expiry.ts';
import { FAILURE_EN, FAILURE_SK } from './templates/failure.ts';

export type MailEvent = 'dataset ready' | 'dataset published' | 'expiry scheduled' | 'reminder due' | 'expired' | 'provisioning failed';

export interface Template {
  text: string;
  html: string;
}

/** The variables each event supplies; a template may use any of them and no other. */
export const EVENT_VARIABLES: Record<MailEvent, readonly string[]> = {
  'dataset ready': ['space_name', 'space_id', 'space_path', 'onezone_url', 'public_url', 'invite_token', 'now'],
  'dataset published': ['space_name', 'space_id', 'space_path', 'onezone_url', 'public_url', 'now'],
  'expiry scheduled': ['space_name', 'space_id', 'space_path', 'public_url', 'date', 'now'],
  'reminder due': ['space_name', 'space_id', 'space_path', 'public_url', 'date', 'before', 'now'],
  expired: ['space_name', 'space_id', 'space_path', 'public_url', 'date', 'now'],
  'provisioning failed': ['space_name', 'space_path', 'reason', 'now'],
};

const TEMPLATES: Record<MailEvent, Record<string, Template>> = {
  'dataset ready': { en: DATASET_READY_EN, sk: DATASET_READY_SK },
  'dataset published': { en: DATASET_PUBLISHED_EN, sk: DATASET_PUBLISHED_SK },
  'expiry scheduled': { en: EXPIRY_SCHEDULED_EN, sk: EXPIRY_SCHEDULED_SK },
  'reminder due': { en: REMINDER_EN, sk: REMINDER_SK },
  expired: { en: EXPIRED_EN, sk: EXPIRED_SK },
  'provisioning failed': { en: FAILURE_EN, sk: FAILURE_SK },
};

export const LANGUAGES: readonly string[] = ['en', 'sk'];
export const DEFAULT_SUBJECT = 's3od: dataset information';

const VARIABLE = /\$([a-z_]+)/g;

export function templateFor(event: MailEvent, language: string): Template {
  return TEMPLATES[event][language] ?? TEMPLATES[event].en!;
}

/** Every template's use of a variable its event does not supply, in words (empty when all are right). */
export function templateProblems(): string[] {
  const out: string[] = [];
  for (const [event, byLanguage] of Object.entries(TEMPLATES) as [MailEvent, Record<string, Template>][]) {
    for (const [language, t] of Object.entries(byLanguage)) {
      for (const part of ['text', 'html'] as const) {
        for (const [, name] of t[part].matchAll(VARIABLE)) {
          if (!EVENT_VARIABLES[event].includes(name!))
            out.push(`the ${language} ${part} template of "${event}" uses $${name}, which that event does not supply`);
        }
      }
    }
  }
  return out;
}

export class MissingVariableError extends Error {
  override name = 'MissingVariableError';
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** Renders an event's mail; values are escaped for HTML there, and stripped of control characters everywhere. */
export function renderMail(event: MailEvent, language: string, values: Record<string, string>): RenderedMail {
  for (const name of EVENT_VARIABLES[event]) if (values[name] === undefined) throw new MissingVariableError(`"${event}" mail needs $${name}`);
  const t = templateFor(event, language);
  const fill = (template: string, escape: (v: string) => string) => template.replace(VARIABLE, (_, name: string) => escape(plain(values[name] ?? '')));
  const [subject, body] = splitSubject(fill(t.text, (v) => v));
  return { subject: subject.replace(/\s+/g, ' ').trim(), text: body, html: fill(t.html, escapeHtml) };
}

/** fs2od's subject rule: line 1 is the subject when line 2 is blank. */
export function splitSubject(text: string): [string, string] {
  const lines = text.split('\n');
  if (lines.length >= 2 && lines[1]!.trim() === '' && lines[0]!.trim() !== '') return [lines[0]!, lines.slice(2).join('\n')];
  return [DEFAULT_SUBJECT, text];
}

/** Values come partly from operator files (the folder name): no control characters besides none at all. */
function plain(v: string): string {
  return v.replace(/[\p{Cc}\u2028\u2029]/gu, ' ');
}

function escapeHtml(v: string): string {
  return v.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
