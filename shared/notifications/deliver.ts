/**
 * Sends one event's mail to the recipients still owed it, through the ledger in the dataset's
 * record (ledger.ts). The caller holds the dataset's lease: `holder` is the DatasetLease (or
 * anything that writes the record with its compare-and-swap). A failed send is recorded and
 * returned, never thrown: mail never fails the work it reports on.
 */
import { createHash } from 'node:crypto';
import { redactString, type Logger } from '../log/index.ts';
import { withRetry } from '../retry/index.ts';
import type { DatasetState } from '../state/dataset-state.ts';
import { markOutcome, markSending, occurrenceKey, owed } from './ledger.ts';
import type { Recipient } from './recipients.ts';
import { renderMail, type MailEvent } from './templates.ts';
import type { Mailer, SmtpConfig } from './transport.ts';

export interface MailDeps {
  mailer: Mailer;
  email: SmtpConfig;
  log: Logger;
  now?: () => Date;
  /** In-run retries of a send that failed to connect or got a temporary (4xx) answer; later passes retry too. */
  retries?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * The caller writes the record after the mail (its lease's release): the send's outcome is
   * staged for that write instead of a write of its own. A crash before it leaves the recipients
   * `sending`, which the next run sends again under the same Message-ID, as a crash between the
   * send and its own write would. `sending` itself is always written before the send.
   */
  outcomeWithNextWrite?: boolean;
}

export interface LedgerHolder {
  readonly record: DatasetState;
  save(edit: (s: DatasetState) => void): Promise<void>;
  /** An edit for the holder's next write (a DatasetLease's release writes it, if nothing before). */
  stage?(edit: (s: DatasetState) => void): void;
}

export interface EventMail {
  event: MailEvent;
  /** What tells this occurrence from another of the same event (a reminder's offset); none for one-off events. */
  occurrence?: string;
  recipients: Recipient[];
  values: Record<string, string>;
}

export interface DeliveryReport {
  sent: number;
  failed: number;
  /** Recipients who already had it (a redelivered event, a repeated pass). */
  alreadySent: number;
  /** Recipients still owed it afterwards (failed with attempts left, `MAX_MAIL_ATTEMPTS`). */
  stillOwed: number;
  error?: string;
}

export async function deliverEventMail(deps: MailDeps, holder: LedgerHolder, mail: EventMail): Promise<DeliveryReport> {
  const now = deps.now ?? (() => new Date());
  const key = occurrenceKey(mail.event, mail.occurrence);
  const due = owed(holder.record, key, mail.recipients);
  const alreadySent = mail.recipients.length - due.length;
  if (due.length === 0) return { sent: 0, failed: 0, alreadySent, stillOwed: 0 };
  // Rendered before anything is recorded: a template problem is a bug to report, not a send to count.
  const rendered = renderMail(mail.event, deps.email.language, mail.values);
  await holder.save((s) => markSending(s, key, due, now()));
  const recordOutcome = async (edit: (s: DatasetState) => void): Promise<void> => {
    if (deps.outcomeWithNextWrite && holder.stage) holder.stage(edit);
    else await holder.save(edit);
  };
  const by = (kind: Recipient['kind']) => due.filter((r) => r.kind === kind).map(formatAddress);
  try {
    const result = await withRetry(
      () =>
        deps.mailer.send({
          from: deps.email.messageSender,
          to: by('to'),
          cc: by('cc'),
          bcc: by('bcc'),
          ...rendered,
          messageId: messageId(holder.record.dataset.id, key, deps.email.messageSender),
        }),
      { retries: deps.retries ?? 2, baseDelayMs: 500, maxDelayMs: 4000, isRetryable: isTemporary, ...(deps.sleep ? { sleep: deps.sleep } : {}) },
    );
    await recordOutcome((s) => markOutcome(s, key, due, { rejected: result.rejected }, now()));
    const failed = due.filter((r) => result.rejected.some((a) => a.toLowerCase() === r.address.toLowerCase())).length;
    deps.log.info('mail sent', { event: mail.event, occurrence: mail.occurrence, recipients: due.length - failed, refused: failed });
    return { sent: due.length - failed, failed, alreadySent, stillOwed: owed(holder.record, key, mail.recipients).length };
  } catch (e) {
    const error = describeError(e);
    await recordOutcome((s) => markOutcome(s, key, due, { error }, now()));
    deps.log.warn('mail not sent; retried later', { event: mail.event, occurrence: mail.occurrence, recipients: due.length, error });
    return { sent: 0, failed: due.length, alreadySent, stillOwed: owed(holder.record, key, mail.recipients).length, error };
  }
}

function formatAddress(r: Recipient): string | { name: string; address: string } {
  return r.name ? { name: r.name, address: r.address } : r.address;
}

/**
 * The same Message-ID for every attempt of one occurrence: a resend in the crash window carries
 * the id of the first, which mail systems use to drop the repeat.
 */
export function messageId(datasetId: string, occurrence: string, sender: string): string {
  const domain = /@([^\s>]+)>?\s*$/.exec(sender)?.[1] ?? 's3od.invalid';
  const h = createHash('sha256').update(`${datasetId}\n${occurrence}`).digest('hex').slice(0, 32);
  return `<s3od.${h}@${domain}>`;
}

/** Connection problems and 4xx answers are worth another try; a 5xx answer is the server's final word. */
function isTemporary(e: unknown): boolean {
  const code = (e as { responseCode?: number }).responseCode;
  return code === undefined || (code >= 400 && code < 500);
}

/** The server's answer or the connection error, redacted (never the message itself, which carries the token). */
function describeError(e: unknown): string {
  const err = e as { code?: string; responseCode?: number; response?: string; message?: string };
  const text = err.response ?? err.message ?? String(e);
  return redactString(`${err.code ? `${err.code}: ` : ''}${text}`).slice(0, 300);
}
