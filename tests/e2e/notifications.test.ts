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
import { control, s3Client, sqsClient, stackInfo, waitForQueuesIdle } from '../helpers/stack-client.ts';

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
});
