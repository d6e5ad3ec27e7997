import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, GetBucketNotificationConfigurationCommand } from '@aws-sdk/client-s3';
import { DeleteTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, stackFileOf, stackSecrets, writeCliConfig } from '../helpers/cli.ts';
import { s3Client, stackInfo } from '../helpers/stack-client.ts';

const info = stackInfo();
const s3 = s3Client(info);
// A bucket and topic of their own: the stack's bucket keeps its one notification.
const suffix = randomBytes(3).toString('hex');
const bucket = `cli-notif-${suffix}`;
const topic = `s3od-cli-${suffix}`;
const dir = mkdtempSync(join(tmpdir(), 's3od-cli-notif-'));
let args: string[];

beforeAll(async () => {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  args = ['--config', writeCliConfig(info, dir, 'notif.yml', { bucket }), '--stack', stackFileOf(info)];
});

afterAll(async () => {
  await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => undefined);
  const sns = new SNSClient({
    endpoint: info.s3Endpoint,
    region: info.region,
    credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey },
  });
  await sns.send(new DeleteTopicCommand({ TopicArn: `arn:aws:sns:default::${topic}` })).catch(() => undefined);
  sns.destroy();
  rmSync(dir, { recursive: true, force: true });
});

describe('s3od notifications setup', () => {
  it('creates the RGW topic and bucket notification; a second run reports unchanged', async () => {
    const first = await runCli(['notifications', 'setup', '--topic', topic, ...args]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^topic ${topic} \\(arn:aws:sns:default::${topic}\\): created or updated$`, 'm'));
    expect(first.stdout).toMatch(new RegExp(`^bucket notification s3od-${topic} on ${bucket} \\(prefix datasets/\\): written$`, 'm'));
    const cfg = await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: bucket }));
    expect(cfg.TopicConfigurations).toEqual([expect.objectContaining({ Id: `s3od-${topic}`, TopicArn: `arn:aws:sns:default::${topic}` })]);

    const second = await runCli(['notifications', 'setup', '--topic', topic, ...args]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/: unchanged$/m);
    expect(second.stdout).toMatch(/^unchanged: the bucket already sends its events to s3od$/m);
    const json = JSON.parse((await runCli(['notifications', 'setup', '--topic', topic, '--json', ...args])).stdout);
    expect(json).toMatchObject({ mode: 'rgw', bucket, topicChanged: false, notificationChanged: false, unchanged: true });

    // doctor agrees that this bucket now delivers to s3od.
    const doctor = await runCli(['doctor', ...args]);
    expect(doctor.stdout).toMatch(
      new RegExp(
        `^✔ bucket notifications: topic arn:aws:sns:default::${topic} .*prefix datasets/, push endpoint ${info.functionsUrl}/function/on-object-event$`,
        'm',
      ),
    );
    for (const s of stackSecrets(info)) expect(first.stdout + first.stderr + doctor.stdout).not.toContain(s);
  });

  it('prints the MinIO commands with the token as $S3OD_WEBHOOK_TOKEN, never its value', async () => {
    const r = await runCli([
      'notifications',
      'setup',
      '--print-minio',
      '--alias',
      'facility',
      '--endpoint',
      'http://gateway.openfaas:8080/function/on-object-event',
      ...args,
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'mc admin config set facility notify_webhook:s3od endpoint="http://gateway.openfaas:8080/function/on-object-event" auth_token="$S3OD_WEBHOOK_TOKEN" queue_dir="/data/.s3od-events" queue_limit="100000"',
    );
    expect(r.stdout).toContain(`mc event add facility/${bucket} arn:minio:sqs::s3od:webhook --event put,delete --prefix "datasets/" --ignore-existing`);
    expect(r.stdout + r.stderr).not.toContain(info.webhookToken);
  });
});
