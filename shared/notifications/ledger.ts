/**
 * The exactly-once ledger of mail, kept in the dataset's record (`DatasetState.mail`), one entry
 * per event occurrence and recipient. The writer holds the dataset's lease (DatasetLease), so two
 * workers never plan the same mail; the order of writes bounds what a crash can do:
 *
 *   1. `sending` is recorded (attempts + 1) — if this write fails, nothing is sent;
 *   2. the message goes out;
 *   3. `sent` (or `failed` with the server's answer) is recorded.
 *
 * A crash between 2 and 3 leaves `sending`: the next pass sends again. That is the one documented
 * window for a duplicate — at most one extra message per recipient and crash — and the choice
 * against the alternative (treating `sending` as sent would lose mail that never left).
 */
import type { DatasetState, MailDelivery } from '../state/dataset-state.ts';
import type { Recipient } from './recipients.ts';

/** After this many failed attempts an entry stays `failed` (shown by `s3od status`); `s3od retry` resets it. */
export const MAX_MAIL_ATTEMPTS = 5;

/** An event's identity in the ledger: the event plus what makes this occurrence distinct (e.g. a reminder's offset). */
export function occurrenceKey(event: string, occurrence?: string): string {
  return occurrence ? `${event}|${occurrence}` : event;
}

export function entryKey(occurrence: string, address: string): string {
  return `${occurrence}|${address.toLowerCase()}`;
}

/** The recipients still owed this occurrence: never sent, failed with attempts left, or caught in the crash window. */
export function owed(state: DatasetState, occurrence: string, recipients: Recipient[]): Recipient[] {
  return recipients.filter((r) => {
    const e = state.mail?.[entryKey(occurrence, r.address)];
    if (!e) return true;
    if (e.state === 'sent') return false;
    return e.attempts < MAX_MAIL_ATTEMPTS;
  });
}

export function markSending(s: DatasetState, occurrence: string, recipients: Recipient[], now: Date): void {
  s.mail ??= {};
  for (const r of recipients) {
    const key = entryKey(occurrence, r.address);
    const prev = s.mail[key];
    s.mail[key] = {
      event: occurrence,
      address: r.address,
      kind: r.kind,
      state: 'sending',
      attempts: (prev?.attempts ?? 0) + 1,
      lastAttemptAt: now.toISOString(),
    };
  }
}

/** Records the outcome: accepted addresses `sent`; refused ones, or all when `error` is set, `failed`. */
export function markOutcome(
  s: DatasetState,
  occurrence: string,
  recipients: Recipient[],
  outcome: { rejected: string[] } | { error: string },
  now: Date,
): void {
  const rejected = 'rejected' in outcome ? new Set(outcome.rejected.map((a) => a.toLowerCase())) : undefined;
  for (const r of recipients) {
    const e = s.mail?.[entryKey(occurrence, r.address)];
    if (!e) continue;
    if (rejected && !rejected.has(r.address.toLowerCase())) {
      e.state = 'sent';
      e.sentAt = now.toISOString();
      delete e.lastError;
    } else {
      e.state = 'failed';
      e.lastError = 'error' in outcome ? outcome.error : 'the server refused this recipient';
    }
  }
}

/** Counts for `s3od status` and logs: how many entries are in each state. */
export function mailSummary(s: DatasetState): { sent: number; sending: number; failed: number; gaveUp: number } {
  const entries: MailDelivery[] = Object.values(s.mail ?? {});
  return {
    sent: entries.filter((e) => e.state === 'sent').length,
    sending: entries.filter((e) => e.state === 'sending').length,
    failed: entries.filter((e) => e.state === 'failed' && e.attempts < MAX_MAIL_ATTEMPTS).length,
    gaveUp: entries.filter((e) => e.state === 'failed' && e.attempts >= MAX_MAIL_ATTEMPTS).length,
  };
}
