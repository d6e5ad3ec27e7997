import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, PurgeQueueCommand, ReceiveMessageCommand, DeleteMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import type { StackInfo } from '../../infra/local/stack.ts';
import { s3ClientFor } from '../../shared/aws/clients.ts';
import { pollUntil } from '../../shared/retry/index.ts';

/** Clients and helpers for tests that run against the shared local stack. */
export function stackInfo(): StackInfo {
  return inject('stack');
}

export function s3Client(info = stackInfo()): S3Client {
  return s3ClientFor({ endpoint: info.s3Endpoint, region: info.region, credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey } });
}

export function sqsClient(info = stackInfo()): SQSClient {
  return new SQSClient({ endpoint: info.sqsEndpoint, region: info.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

/** Calls the test control server of the stack (runs in the global-setup process). */
export async function control(method: 'GET' | 'POST', path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${inject('controlUrl')}${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  if (!res.ok) throw new Error(`control ${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

export async function capturedLogs(): Promise<string[]> {
  return control('GET', '/logs');
}

/** Waits until the provision function logged the fault knob's crash after `step` for the dataset at `prefix`. */
export async function waitForSimulatedCrash(prefix: string, step: string, deadlineMs = 60_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const lines = await capturedLogs();
    const hit = lines.some((l) => {
      if (!l.includes('"simulated crash"')) return false;
      const rec = JSON.parse(l) as { dataset?: string; step?: string };
      return rec.dataset === prefix && rec.step === step;
    });
    if (hit) return;
    if (Date.now() > deadline) throw new Error(`no simulated crash after ${step} of ${prefix} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function putObject(s3: S3Client, key: string, body: string | Buffer, bucket = stackInfo().bucket): Promise<string> {
  const res = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return (res.ETag ?? '').replace(/"/g, '');
}

export async function getText(s3: S3Client, key: string, bucket = stackInfo().bucket): Promise<string> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return res.Body!.transformToString();
}

export async function getBytes(s3: S3Client, key: string, bucket = stackInfo().bucket): Promise<Buffer> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

export async function listKeys(s3: S3Client, prefix: string, bucket = stackInfo().bucket): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const res = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of res.Contents ?? []) keys.push(o.Key!);
    token = res.IsTruncated ? res.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

/** Reads (and deletes) every message currently in a queue. */
export async function drainQueue(sqs: SQSClient, queueUrl: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (;;) {
    const res = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 30 }));
    const msgs = res.Messages ?? [];
    if (!msgs.length) return out;
    for (const m of msgs) {
      out.push(JSON.parse(m.Body!));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
    }
  }
}

export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const res = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(res.Attributes?.ApproximateNumberOfMessages ?? 0), inFlight: Number(res.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) };
}

export async function purge(sqs: SQSClient, queueUrl: string): Promise<void> {
  await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
}

export async function simState(): Promise<any> {
  return (await fetch(`${stackInfo().onedataUrl}/_sim/state`)).json();
}

/** Waits until no job is queued or running on the given queues (the functions have caught up). */
export async function waitForQueuesIdle(queueIds: string[] = ['ProvisionQueue', 'ImportQueue'], deadlineMs = 60_000): Promise<void> {
  const info = stackInfo();
  const sqs = sqsClient(info);
  await pollUntil(
    async () => {
      for (const q of queueIds) {
        const d = await queueDepth(sqs, info.queues[q]!);
        if (d.visible + d.inFlight > 0) return undefined;
      }
      const inFlight = (await control('GET', '/in-flight')) as Record<string, number>;
      return Object.values(inFlight).every((n) => n === 0) ? true : undefined;
    },
    { deadlineMs, initialDelayMs: 50, maxDelayMs: 300, description: `queues ${queueIds.join(', ')} to be idle` },
  );
  sqs.destroy();
}
