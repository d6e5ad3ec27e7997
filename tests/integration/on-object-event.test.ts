import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ImportJob, ProvisionJob } from '../../shared/queue/jobs.ts';
import { pollUntil } from '../../shared/retry/index.ts';
import { capturedLogs, control, drainQueue, putObject, s3Client, sqsClient, stackInfo } from '../helpers/stack-client.ts';

/**
 * The event path on real parts: an upload to Ceph RGW → RGW pushes the notification to the local
 * function runner → on-object-event → jobs on the local SQS queues. The SQS event sources are
 * paused so the jobs stay on the queues to be inspected.
 */
const info = stackInfo();
const s3 = s3Client(info);
const sqs = sqsClient(info);

describe('on-object-event on the local stack', () => {
  beforeAll(async () => {
    await control('POST', '/pause');
  });
  afterAll(async () => {
    await control('POST', '/resume');
  });
  beforeEach(async () => {
    await drainQueue(sqs, info.queues.ProvisionQueue!);
    await drainQueue(sqs, info.queues.ImportQueue!);
  });

  it('turns a metadata upload and a data upload with awkward keys into exactly one job each', async () => {
    const dataset = 'Run 7+α ünïcode';
    const metaEtag = await putObject(s3, `datasets/${dataset}/SPA.yml`, 'Autoname: x\n');
    const dataEtag = await putObject(s3, `datasets/${dataset}/Movies/a b+c%20d é.tiff`, Buffer.alloc(123, 1));

    // RGW's non-persistent topics deliver synchronously: the push is done when PutObject returns.
    const provision = (await drainQueue(sqs, info.queues.ProvisionQueue!)) as ProvisionJob[];
    const imports = (await drainQueue(sqs, info.queues.ImportQueue!)) as ImportJob[];

    expect(provision).toHaveLength(1);
    expect(provision[0]).toMatchObject({
      type: 'provision',
      metadataFile: 'SPA.yml',
      etag: metaEtag,
      dataset: { bucket: info.bucket, base: 'datasets', name: dataset, prefix: `datasets/${dataset}` },
    });
    expect(imports).toHaveLength(1);
    expect(imports[0]).toMatchObject({
      type: 'import',
      role: 'data',
      change: 'created',
      key: `datasets/${dataset}/Movies/a b+c%20d é.tiff`,
      relPath: 'Movies/a b+c%20d é.tiff',
      size: 123,
      etag: dataEtag,
    });
  });

  it('enqueues nothing for keys outside the watched directories or written by s3od itself', async () => {
    await putObject(s3, 'elsewhere/Run1/SPA.yml', 'Autoname: x\n');
    await putObject(s3, 'datasets/loose-file.txt', 'x');
    await putObject(s3, '.s3od/state/abc.json', '{}');
    await putObject(s3, 'datasets/Run1/.s3od-status.yml', 'status: failed\n');
    expect(await drainQueue(sqs, info.queues.ProvisionQueue!)).toEqual([]);
    expect(await drainQueue(sqs, info.queues.ImportQueue!)).toEqual([]);
  });

  it("RGW pushes nothing for s3od's own objects under .s3od/ (the bucket notification's regex rule)", async () => {
    // Guards: rgwFilterRules in infra/notifications/rgw.ts (removed: every record write of s3od
    // costs the RGW a synchronous push and on-object-event an invocation it only drops).
    const invocations = async () => (await capturedLogs()).filter((l) => l.includes('"fn":"on-object-event"') && l.includes('"EventsReceived"')).length;
    const before = await invocations();
    await putObject(s3, `.s3od/probe/${Date.now()}.json`, '{}');
    await putObject(s3, `elsewhere/probe-${Date.now()}.txt`, 'x'); // pushed (then dropped): the yardstick
    // The yardstick's push arrives (in order after the probe's, had RGW sent that one); then a
    // moment for anything late.
    await pollUntil(async () => ((await invocations()) > before ? true : undefined), { deadlineMs: 10_000, description: 'the push of the yardstick' });
    await new Promise((r) => setTimeout(r, 300));
    expect(await invocations()).toBe(before + 1);
  });

  it('rejects webhook deliveries without the shared secret and logs no body', async () => {
    const body = JSON.stringify({
      Records: [
        { eventSource: 'ceph:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: info.bucket }, object: { key: 'datasets/X/SPA.yml', size: 1 } } },
      ],
    });
    const res = await fetch(`${info.functionsUrl}/function/on-object-event`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(401);
    const ok = await fetch(`${info.functionsUrl}/function/on-object-event`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${info.webhookToken}` },
    });
    expect(ok.status).toBe(202);
    expect(await drainQueue(sqs, info.queues.ProvisionQueue!)).toHaveLength(1);
  });

  it('answers MinIO HEAD probes without doing anything', async () => {
    const res = await fetch(`${info.functionsUrl}/function/on-object-event`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await drainQueue(sqs, info.queues.ProvisionQueue!)).toEqual([]);
  });
});
