import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../shared/log/index.ts';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import type { LedgerHolder } from '../../../shared/notifications/deliver.ts';
import { lifecycleMailHook } from '../../../shared/notifications/lifecycle-mail.ts';
import type { Mailer, OutgoingMail } from '../../../shared/notifications/transport.ts';
import { newDatasetState, type DatasetState } from '../../../shared/state/dataset-state.ts';
import { MemoryObjects } from '../../helpers/memory-objects.ts';
import { testConfig } from '../../helpers/test-config.ts';

const config = testConfig(`messaging:
  credentials: { email: { enabled: true, smtpServer: smtp.example.org, messageSender: ops@example.org } }
  email: { timeBeforeAction: [7d], to: { space_deletion: ['metadata:User->Email', 'cc:ops@example.org'] } }
lifecycle: { timeBeforeAction: [1d] }`);

function setup() {
  const objects = new MemoryObjects();
  objects.seed('datasets/D/SPA.yml', 'User:\n  Email: user@example.org\n');
  const record: DatasetState = {
    ...newDatasetState(datasetRef('facility', 'datasets', 'D')),
    metadataFile: 'SPA.yml',
    outputs: { spaceId: 'sp', publicUrl: 'https://z/share/1' },
  };
  const holder: LedgerHolder = { record, save: async (edit) => edit(record) };
  const sent: OutgoingMail[] = [];
  const mailer: Mailer = { send: async (m) => (sent.push(m), { accepted: [], rejected: [] }), verify: async () => undefined };
  const hook = lifecycleMailHook({
    mailer,
    email: config.messaging.email,
    log: createLogger({}),
    config,
    objects,
    now: () => new Date('2026-12-04T12:00:00Z'),
  });
  return { hook, holder, record, sent };
}

const removeAt = '2027-01-03T12:00:00.000Z';

describe('lifecycle events as mail', () => {
  it("reads fs2od's messaging.email.timeBeforeAction beside lifecycle.timeBeforeAction", () => {
    expect(config.lifecycle.timeBeforeAction).toEqual(['1d', '7d']);
  });

  it('mails expiry scheduled, each reminder and expired to the space_deletion recipients, each once', async () => {
    const { hook, holder, record, sent } = setup();
    const events = [
      { event: 'expiry scheduled', dataset: 'datasets/D', removeAt },
      { event: 'reminder due', dataset: 'datasets/D', removeAt, before: '7d' },
      { event: 'reminder due', dataset: 'datasets/D', removeAt, before: '1d' },
      { event: 'expired', dataset: 'datasets/D', removeAt },
    ] as const;
    for (const e of events) await hook(e, holder);
    // A repeated pass (the same events again) sends nothing more.
    for (const e of events) await hook(e, holder);
    expect(sent.map((m) => m.subject)).toEqual([
      'Dataset D leaves the facility on 03. 01. 2027 12:00 UTC',
      'Reminder: dataset D leaves the facility on 03. 01. 2027 12:00 UTC',
      'Reminder: dataset D leaves the facility on 03. 01. 2027 12:00 UTC',
      'Dataset D has left the facility',
    ]);
    expect(sent[1]!.text).toContain('(7d before)');
    expect(sent[0]).toMatchObject({ to: ['user@example.org'], cc: ['ops@example.org'] });
    expect(record.mailDue ?? []).toEqual([]);
  });

  it("reaches the file's people when our section took the file past the byte limit", async () => {
    // Guards withSectionAllowance in the hook: with the plain limit, such a file reads as too
    // large, the error is swallowed and the metadata: recipients silently fall away.
    const small = testConfig(`messaging:
  credentials: { email: { enabled: true, smtpServer: smtp.example.org, messageSender: ops@example.org } }
  email: { to: { space_deletion: ['metadata:User->Email'] } }
limits: { metadataMaxBytes: 1024 }`);
    const objects = new MemoryObjects();
    // The operator's 1,000 bytes, and our section written back after them.
    const section = 'Onedata:\n  Onezone: https://zone.example.org\n  Space: sp\n  InviteToken: ' + 'T'.repeat(120) + '\n  PublicURL: https://z/share/1\n';
    objects.seed('datasets/D/SPA.yml', 'User:\n  Email: user@example.org\nNotes: ' + 'x'.repeat(960) + '\n' + section);
    const record: DatasetState = {
      ...newDatasetState(datasetRef('facility', 'datasets', 'D')),
      metadataFile: 'SPA.yml',
      outputs: { spaceId: 'sp', publicUrl: 'https://z/share/1', inviteToken: 'T'.repeat(120), onedataName: 'D' },
    };
    const sent: OutgoingMail[] = [];
    const hook = lifecycleMailHook({
      mailer: { send: async (m) => (sent.push(m), { accepted: [], rejected: [] }), verify: async () => undefined },
      email: small.messaging.email,
      log: createLogger({}),
      config: small,
      objects,
      now: () => new Date('2026-12-04T12:00:00Z'),
    });
    await hook({ event: 'expiry scheduled', dataset: 'datasets/D', removeAt }, { record, save: async (edit) => edit(record) });
    expect(sent.map((m) => m.to)).toEqual([['user@example.org']]);
  });

  it('a new removal date is a new occurrence; a cancellation is not mailed', async () => {
    const { hook, holder, sent } = setup();
    await hook({ event: 'expiry scheduled', dataset: 'datasets/D', removeAt }, holder);
    await hook({ event: 'expiry cancelled', dataset: 'datasets/D' }, holder);
    await hook({ event: 'expiry scheduled', dataset: 'datasets/D', removeAt: '2027-02-01T00:00:00.000Z' }, holder);
    expect(sent).toHaveLength(2);
  });

  it('keeps the event owed when the send fails', async () => {
    const { holder, record } = setup();
    const failing = lifecycleMailHook({
      mailer: { send: async () => Promise.reject(Object.assign(new Error('down'), { responseCode: 554 })), verify: async () => undefined },
      email: config.messaging.email,
      log: createLogger({}),
      config,
      objects: new MemoryObjects(),
    });
    await failing({ event: 'expired', dataset: 'datasets/D', removeAt }, holder);
    expect(record.mailDue).toEqual([`expired|${removeAt}`]);
    expect(Object.values(record.mail!)[0]).toMatchObject({ state: 'failed', lastError: 'down' });
  });
});

describe('owed lifecycle mail', () => {
  it('reads the events still owed back from mailDue, for a later run to finish', async () => {
    const { owedLifecycleEvents } = await import('../../../shared/notifications/lifecycle-mail.ts');
    expect(
      owedLifecycleEvents({ dataset: { prefix: 'datasets/D' }, mailDue: ['dataset ready', `reminder due|${removeAt}|7d`, `expired|${removeAt}`] }),
    ).toEqual([
      { event: 'reminder due', dataset: 'datasets/D', removeAt, before: '7d' },
      { event: 'expired', dataset: 'datasets/D', removeAt },
    ]);
  });
});
