import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../shared/log/index.ts';
import { deliverEventMail, messageId, type LedgerHolder } from '../../../shared/notifications/deliver.ts';
import { MAX_MAIL_ATTEMPTS } from '../../../shared/notifications/ledger.ts';
import type { Recipient } from '../../../shared/notifications/recipients.ts';
import type { Mailer, OutgoingMail } from '../../../shared/notifications/transport.ts';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { newDatasetState, type DatasetState } from '../../../shared/state/dataset-state.ts';
import { testConfig } from '../../helpers/test-config.ts';

const email = testConfig('messaging: { credentials: { email: { enabled: true, smtpServer: smtp.example.org, messageSender: "Ops <ops@example.org>" } } }')
  .messaging.email;
const values = {
  space_name: 'D',
  space_id: 's',
  space_path: 'datasets/D',
  onezone_url: 'https://z',
  public_url: 'https://z/share/1',
  invite_token: 'TOK',
  now: 'now',
};
const people: Recipient[] = [
  { kind: 'to', address: 'user@example.org', fromMetadata: true },
  { kind: 'bcc', address: 'ops@example.org', fromMetadata: false },
];

/** A record held the way DatasetLease holds it: every save is a copy, so a "crash" can drop unsaved edits. */
function holder(initial?: DatasetState): LedgerHolder & { saved: DatasetState; saves: number } {
  const h = {
    record: initial ?? newDatasetState(datasetRef('facility', 'datasets', 'D')),
    saved: undefined as unknown as DatasetState,
    saves: 0,
    async save(edit: (s: DatasetState) => void) {
      edit(h.record);
      h.saves++;
      h.saved = structuredClone(h.record);
    },
  };
  return h;
}

function mailer(behaviour: (m: OutgoingMail) => { rejected?: string[] } | Error = () => ({})): Mailer & { sent: OutgoingMail[] } {
  const sent: OutgoingMail[] = [];
  return {
    sent,
    async send(m) {
      const r = behaviour(m);
      if (r instanceof Error) throw r;
      sent.push(m);
      return { accepted: [], rejected: r.rejected ?? [] };
    },
    async verify() {},
  };
}

const deps = (m: Mailer) => ({
  mailer: m,
  email,
  log: createLogger({ test: 'deliver' }),
  now: () => new Date('2026-12-04T15:00:00Z'),
  sleep: async () => undefined,
});

describe('mail delivery through the ledger in the record', () => {
  it('sends once per event and recipient: a repeated delivery sends nothing', async () => {
    const h = holder();
    const m = mailer();
    const first = await deliverEventMail(deps(m), h, { event: 'dataset ready', recipients: people, values });
    expect(first).toMatchObject({ sent: 2, failed: 0, stillOwed: 0 });
    expect(m.sent).toHaveLength(1);
    expect(m.sent[0]).toMatchObject({ from: 'Ops <ops@example.org>', to: ['user@example.org'], cc: [], bcc: ['ops@example.org'] });
    const again = await deliverEventMail(deps(m), h, { event: 'dataset ready', recipients: people, values });
    expect(again).toMatchObject({ sent: 0, alreadySent: 2 });
    expect(m.sent).toHaveLength(1);
    expect(Object.values(h.saved.mail!).map((e) => e.state)).toEqual(['sent', 'sent']);
  });

  it('records "sending" before the send: a crash before the outcome is written resends once, with the same Message-ID', async () => {
    const h = holder();
    const m = mailer();
    let crash = true;
    const crashing: LedgerHolder = {
      get record() {
        return h.record;
      },
      async save(edit) {
        // The first write (sending) lands; the crash hits after the send, before the outcome's write.
        if (h.saves === 1 && crash) throw new Error('worker died');
        await h.save(edit);
      },
    };
    await expect(deliverEventMail(deps(m), crashing, { event: 'dataset ready', recipients: people, values })).rejects.toThrow('worker died');
    expect(m.sent).toHaveLength(1);
    expect(Object.values(h.saved.mail!).map((e) => e.state)).toEqual(['sending', 'sending']);
    crash = false;
    const after = holder(structuredClone(h.saved));
    await deliverEventMail(deps(m), after, { event: 'dataset ready', recipients: people, values });
    expect(m.sent).toHaveLength(2);
    expect(m.sent[1]!.messageId).toBe(m.sent[0]!.messageId);
    await deliverEventMail(deps(m), after, { event: 'dataset ready', recipients: people, values });
    expect(m.sent).toHaveLength(2);
  });

  it('with outcomeWithNextWrite, writes only "sending": the outcome goes with the holder\'s next write, and a crash before it resends', async () => {
    // Guards: the staged outcome (`outcomeWithNextWrite`; removed, the send costs a second write),
    // and that "sending" is still written before the send.
    const h = holder();
    const staged: ((s: DatasetState) => void)[] = [];
    const stager: LedgerHolder = {
      get record() {
        return h.record;
      },
      save: (edit) => h.save(edit),
      stage: (edit) => void (edit(h.record), staged.push(edit)),
    };
    const m = mailer(() => {
      // At the send, "sending" is already written.
      expect(Object.values(h.saved.mail!).map((e) => e.state)).toEqual(['sending', 'sending']);
      return {};
    });
    const report = await deliverEventMail({ ...deps(m), outcomeWithNextWrite: true }, stager, { event: 'dataset ready', recipients: people, values });
    expect(report).toMatchObject({ sent: 2, stillOwed: 0 });
    expect(h.saves).toBe(1);
    expect(staged).toHaveLength(1);
    // In the holder's hands the recipients are served; the written record still says "sending".
    expect(Object.values(h.record.mail!).map((e) => e.state)).toEqual(['sent', 'sent']);
    expect(Object.values(h.saved.mail!).map((e) => e.state)).toEqual(['sending', 'sending']);
    // A crash before the next write: the next run sends again, under the same Message-ID.
    const after = holder(structuredClone(h.saved));
    await deliverEventMail(deps(m), after, { event: 'dataset ready', recipients: people, values });
    expect(m.sent).toHaveLength(2);
    expect(m.sent[1]!.messageId).toBe(m.sent[0]!.messageId);
  });

  it('sends nothing when the "sending" mark cannot be written (the lease was lost)', async () => {
    const m = mailer();
    const lost: LedgerHolder = { record: holder().record, save: async () => Promise.reject(new Error('lease lost')) };
    await expect(deliverEventMail(deps(m), lost, { event: 'dataset ready', recipients: people, values })).rejects.toThrow('lease lost');
    expect(m.sent).toHaveLength(0);
  });

  it('records a failed send with the server answer (never the token) and retries it on the next pass, until the limit', async () => {
    const h = holder();
    let down = true;
    const m = mailer(() => (down ? Object.assign(new Error('Connection refused'), { code: 'ECONNECTION' }) : {}));
    const r = await deliverEventMail(deps(m), h, { event: 'dataset ready', recipients: people, values });
    expect(r).toMatchObject({ sent: 0, failed: 2, stillOwed: 2 });
    const entry = Object.values(h.saved.mail!)[0]!;
    expect(entry).toMatchObject({ state: 'failed', attempts: 1, lastError: 'ECONNECTION: Connection refused' });
    expect(JSON.stringify(h.saved)).not.toContain('TOK');
    down = false;
    expect(await deliverEventMail(deps(m), h, { event: 'dataset ready', recipients: people, values })).toMatchObject({ sent: 2, stillOwed: 0 });
    expect(Object.values(h.saved.mail!)[0]).toMatchObject({ state: 'sent', attempts: 2 });
  });

  it('gives up on a recipient after MAX_MAIL_ATTEMPTS and retries only the one the server refused', async () => {
    const h = holder();
    const m = mailer(() => ({ rejected: ['ops@example.org'] }));
    for (let i = 0; i < MAX_MAIL_ATTEMPTS + 2; i++) await deliverEventMail(deps(m), h, { event: 'dataset ready', recipients: people, values });
    // One message to both, then one per pass to the refused one alone, until the limit.
    expect(m.sent).toHaveLength(MAX_MAIL_ATTEMPTS);
    expect(m.sent[1]).toMatchObject({ to: [], bcc: ['ops@example.org'] });
    expect(Object.values(h.saved.mail!).map((e) => [e.state, e.attempts])).toEqual([
      ['sent', 1],
      ['failed', MAX_MAIL_ATTEMPTS],
    ]);
  });

  it('retries a temporary (4xx) answer within the pass, not a permanent (5xx) one', async () => {
    let calls = 0;
    const m = mailer(() => (++calls === 1 ? Object.assign(new Error('try later'), { responseCode: 451 }) : {}));
    expect(await deliverEventMail(deps(m), holder(), { event: 'dataset ready', recipients: people, values })).toMatchObject({ sent: 2 });
    calls = 0;
    const p = mailer(() => (++calls, Object.assign(new Error('no such user'), { responseCode: 550 })));
    expect(await deliverEventMail(deps(p), holder(), { event: 'dataset ready', recipients: people, values })).toMatchObject({ failed: 2 });
    expect(calls).toBe(1);
  });

  it('derives a stable Message-ID per dataset and occurrence on the sender domain', () => {
    expect(messageId('a', 'dataset ready', 'Ops <ops@example.org>')).toMatch(/^<s3od\.[0-9a-f]{32}@example\.org>$/);
    expect(messageId('a', 'dataset ready', 'x@y')).toBe(messageId('a', 'dataset ready', 'x@y'));
    expect(messageId('a', 'dataset ready', 'x@y')).not.toBe(messageId('b', 'dataset ready', 'x@y'));
  });
});
