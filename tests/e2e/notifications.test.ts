import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { datasetRef } from '../../shared/dataset/ref.ts';
import { freePort } from '../../infra/local/stack.ts';
import type { ProvisionJob } from '../../shared/queue/jobs.ts';
import { pollUntil } from '../../shared/retry/index.ts';
import { runCli, stackFileOf } from '../helpers/cli.ts';
import { readState, SAMPLE_METADATA, uniqueName, uploadDataset, waitForStatus } from '../helpers/datasets.ts';
import { control, getText, s3Client, simState, sqsClient, stackInfo, waitForQueuesIdle } from '../helpers/stack-client.ts';

const info = stackInfo();
const s3 = s3Client(info);
const sqs = sqsClient(info);
const stack = ['--stack', stackFileOf(info)];

/** Every message the stack's SMTP server wrote to .local/…/mail, parsed. */
async function mails(): Promise<ParsedMail[]> {
  if (!existsSync(info.mailDir)) return [];
  const files = readdirSync(info.mailDir).filter((f) => f.endsWith('.eml'));
  return Promise.all(files.map((f) => simpleParser(readFileSync(join(info.mailDir, f)))));
}

const addresses = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => v.address));
/** Polls until `ok` holds for what `read` returns. */
function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean, deadlineMs = 30_000): Promise<T> {
  return pollUntil(
    async () => {
      const v = await read();
      return ok(v) ? v : undefined;
    },
    { deadlineMs, initialDelayMs: 100, maxDelayMs: 500, description: 'the expected mail state' },
  );
}

const about = async (datasetName: string) => (await mails()).filter((m) => m.subject?.includes(datasetName));

/** Copies of the dataset's provision job, sent at once: what redelivery and a burst of notifications look like. */
async function sendProvisionJobs(name: string, copies: number): Promise<void> {
  const job: ProvisionJob = {
    type: 'provision',
    dataset: datasetRef(info.bucket, 'datasets', name),
    metadataFile: 'SPA.yml',
    dedupKey: randomUUID(),
    correlationId: randomUUID(),
    enqueuedAt: new Date().toISOString(),
    reason: 'retry',
  };
  await Promise.all(
    Array.from({ length: copies }, () => sqs.send(new SendMessageCommand({ QueueUrl: info.queues.ProvisionQueue, MessageBody: JSON.stringify(job) }))),
  );
}

describe('email: the "dataset ready" mail through the local SMTP server', () => {
  it('sends the person named in the file (NotifyCompletion: true) the public link, the invite token and how to join — once', async () => {
    const name = uniqueName('Mail_Ready');
    const prefix = await uploadDataset(s3, name, { files: 1 });
    const state = await waitForStatus(s3, prefix, ['provisioned', 'failed']);
    expect(state.status).toBe('provisioned');
    const [mail] = await waitFor(
      () => about(name),
      (m) => m.length > 0,
    );
    expect(addresses(mail!.to)).toEqual(['user@example.org']);
    expect(addresses(mail!.from)).toEqual(['s3od@localhost']);
    expect(mail!.subject).toBe(`Your dataset ${name} is ready in Onedata`);
    const settled = (await readState(s3, prefix))!;
    expect(mail!.text).toContain(settled.outputs.publicUrl);
    expect(mail!.text).toContain(settled.outputs.inviteToken);
    expect(mail!.text).toContain('Consume token');
    expect(mail!.html).toContain(settled.outputs.inviteToken);
    // The ledger says sent, nothing is owed, and the token is in neither the record's mail nor the status.
    expect(Object.values(settled.mail ?? {})).toEqual([
      expect.objectContaining({ event: 'dataset ready', address: 'user@example.org', state: 'sent', attempts: 1 }),
    ]);
    expect(settled.mailDue ?? []).toEqual([]);
    const status = await runCli(['status', prefix, ...stack]);
    expect(status.stdout).toMatch(/mail\s+1 sent/);
    expect(status.stdout).not.toContain(settled.outputs.inviteToken);

    // Redelivered and concurrent jobs for the same dataset: no second mail.
    await sendProvisionJobs(name, 4);
    await waitForQueuesIdle(['ProvisionQueue']);
    await new Promise((r) => setTimeout(r, 500));
    expect(await about(name)).toHaveLength(1);
  });

  it("sends the file's people nothing when NotifyCompletion is not true", async () => {
    const name = uniqueName('Mail_Quiet');
    const prefix = await uploadDataset(s3, name, { files: 1, metadata: SAMPLE_METADATA.replace('NotifyCompletion: true', 'NotifyCompletion: false') });
    await waitForStatus(s3, prefix, ['provisioned']);
    await waitForQueuesIdle(['ProvisionQueue']);
    expect(await about(name)).toHaveLength(0);
    expect(Object.values((await readState(s3, prefix))!.mail ?? {})).toEqual([]);
  });

  it('a mail failure never fails provisioning: recorded, shown by s3od status, and sent once by s3od retry when SMTP is back', async () => {
    const closed = await freePort();
    await control('POST', '/config', { messaging: { credentials: { email: { smtpPort: closed } } } });
    const name = uniqueName('Mail_Down');
    let prefix = '';
    try {
      prefix = await uploadDataset(s3, name, { files: 1 });
      const state = await waitForStatus(s3, prefix, ['provisioned', 'failed']);
      expect(state.status).toBe('provisioned');
      const failed = await waitFor(
        async () => (await readState(s3, prefix))!,
        (s) => Object.values(s.mail ?? {}).some((e) => e.state === 'failed'),
      );
      expect(failed.mailDue).toEqual(['dataset ready']);
      expect(Object.values(failed.mail!)[0]!.lastError).toMatch(/ECONNREFUSED|ECONNECTION|connect/i);
      const status = await runCli(['status', prefix, ...stack]);
      expect(status.stdout).toMatch(/mail\s+0 sent · 1 failed \(retried\) · owed: dataset ready/);
      expect(status.stdout).toMatch(/mail failed\s+dataset ready → user@example\.org/);
    } finally {
      await control('POST', '/config', {});
    }
    expect(await about(name)).toHaveLength(0);
    const retry = await runCli(['retry', prefix, ...stack]);
    expect(retry.code).toBe(0);
    const sent = await waitFor(
      async () => (await readState(s3, prefix))!,
      (s) => !s.mailDue?.length,
    );
    expect(Object.values(sent.mail!)[0]).toMatchObject({ state: 'sent', attempts: 2 });
    expect(await about(name)).toHaveLength(1);
  });

  it("mails expiry scheduled, the reminder of fs2od's messaging.email.timeBeforeAction and expired, each once, on the pass's clock", async () => {
    await control('POST', '/config', { messaging: { email: { timeBeforeAction: ['7d'] } } });
    try {
      const name = uniqueName('Mail_Expiry');
      const prefix = await uploadDataset(s3, name, { files: 1, metadata: `${SAMPLE_METADATA}Retention: 30d\n` });
      const state = await waitForStatus(s3, prefix, ['provisioned']);
      await waitForQueuesIdle();
      const day = 86_400_000;
      const at = (days: number) => new Date(Date.parse(state.provisionedAt!) + days * day).toISOString();
      const pass = async (days: number) => JSON.parse((await runCli(['lifecycle', 'run', '--prefix', prefix, '--json', '--now', at(days), ...stack])).stdout);
      const subjects = async () => (await mails()).filter((m) => m.subject?.includes(name) && !m.subject.includes('ready')).map((m) => m.subject);

      await pass(1);
      await pass(2);
      expect(await subjects()).toEqual([expect.stringMatching(new RegExp(`^Dataset ${name} leaves the facility on \\d\\d\\. \\d\\d\\. \\d{4}`))]);
      // 24 days in, the 7d reminder is due (30d - 7d = 23d); a second pass at the same time sends nothing more.
      expect((await pass(24)).events.map((e: { event: string }) => e.event)).toEqual(['reminder due']);
      await pass(24);
      expect(await subjects()).toHaveLength(2);
      expect((await subjects())[1]).toMatch(/^Reminder: dataset/);
      await waitFor(
        () => pass(31),
        (r) => r.expired === 1,
        60_000,
      );
      await pass(32);
      const all = await subjects();
      expect(all).toHaveLength(3);
      expect(all[2]).toBe(`Dataset ${name} has left the facility`);
      const reminder = (await mails()).find((m) => m.subject?.startsWith(`Reminder: dataset ${name}`))!;
      expect(addresses(reminder.to)).toEqual(['user@example.org']);
      expect(reminder.text).toContain('(7d before)');
    } finally {
      await control('POST', '/config', {});
    }
  });

  it('an embargoed dataset: no share and "embargoed until" in the file and the ready mail; the pass after the date shares it and mails "published"', async () => {
    const name = uniqueName('Mail_Embargo');
    const prefix = await uploadDataset(s3, name, { files: 1, metadata: `${SAMPLE_METADATA}Embargo: 2099-01-01\n` });
    const state = await waitForStatus(s3, prefix, ['provisioned', 'failed']);
    expect(state.status).toBe('provisioned');
    expect(state.outputs).toMatchObject({ embargoedUntil: '2099-01-01T00:00:00.000Z' });
    expect(state.outputs.shareId).toBeUndefined();
    const sharesOf = async () => (await simState()).shares.filter((x: { spaceId: string }) => x.spaceId === state.outputs.spaceId);
    expect(await sharesOf()).toEqual([]);
    expect(await getText(s3, `${prefix}/SPA.yml`)).toContain('PublicURL: "embargoed until 2099-01-01"');
    const [ready] = await waitFor(
      () => about(name),
      (m) => m.length > 0,
    );
    expect(ready!.text).toContain('embargoed until 2099-01-01');
    await waitForQueuesIdle();

    const pass = async (now: string) => JSON.parse((await runCli(['lifecycle', 'run', '--prefix', prefix, '--json', '--now', now, ...stack])).stdout);
    expect((await pass('2098-12-31T12:00:00Z')).published).toBe(0);
    expect(await sharesOf()).toEqual([]);
    expect((await pass('2099-01-01T06:00:00Z')).published).toBe(1);
    const published = (await readState(s3, prefix))!;
    expect(await sharesOf()).toHaveLength(1);
    expect(published.outputs.publicUrl).toMatch(/^http/);
    const text = await getText(s3, `${prefix}/SPA.yml`);
    expect(text).toContain(`PublicURL: ${published.outputs.publicUrl}`);
    expect(text).toContain('Embargo: 2099-01-01');
    const mail = await waitFor(
      () => about(name),
      (m) => m.length === 2,
    );
    const notice = mail.find((m) => m.subject === `Your dataset ${name} is now public`)!;
    expect(addresses(notice.to)).toEqual(['user@example.org']);
    expect(notice.text).toContain(published.outputs.publicUrl);
    // Once: a later pass and the event of our own write change nothing.
    await waitForQueuesIdle();
    expect((await pass('2099-01-02T06:00:00Z')).published).toBe(0);
    expect(await sharesOf()).toHaveLength(1);
    expect(await about(name)).toHaveLength(2);
  });

  it('mails a failed dataset to the operators who asked (messaging.email.to.failure), once per version of the file', async () => {
    await control('POST', '/config', { messaging: { email: { to: { failure: ['Facility Ops <ops@facility.test>'] } } } });
    try {
      const name = uniqueName('Mail_Fail');
      const prefix = await uploadDataset(s3, name, { files: 0, metadata: 'Autoname: [unclosed\n' });
      await waitForStatus(s3, prefix, ['failed']);
      const failed = await waitFor(
        async () => (await mails()).filter((m) => m.subject === `s3od: dataset ${name} failed`),
        (m) => m.length === 1,
      );
      expect(addresses(failed[0]!.to)).toEqual(['ops@facility.test']);
      expect(failed[0]!.text).toContain(`s3od retry ${prefix}`);
      // The operator retries the same version: it fails again, and nobody is mailed twice.
      expect((await runCli(['retry', prefix, ...stack])).code).toBe(0);
      await waitFor(
        async () => (await readState(s3, prefix))!,
        (s) => s.attempts >= 2 && !s.lease,
      );
      expect((await mails()).filter((m) => m.subject === `s3od: dataset ${name} failed`)).toHaveLength(1);
    } finally {
      await control('POST', '/config', {});
    }
  });
});
