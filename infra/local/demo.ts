import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3ClientFor } from '../../shared/aws/clients.ts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { datasetRef } from '../../shared/dataset/ref.ts';
import { pollUntil } from '../../shared/retry/index.ts';
import type { DatasetState } from '../../shared/state/dataset-state.ts';
import { STATE_PREFIX } from '../../shared/state/state-store.ts';
import { PROJECT_ROOT, type StackInfo } from './stack.ts';

const MOVIES = 3;

/**
 * The demo: upload a small cryo-EM-like dataset (movies, then the metadata file, as a microscope
 * would), wait until s3od has written the access information back into SPA.yml and registered
 * the movies, and end with a summary a person reads at a glance.
 */
export async function runDemo(info: StackInfo, datasetName = `20211227125_Demo`): Promise<void> {
  const s3 = s3ClientFor({
    endpoint: info.s3Endpoint,
    region: info.region,
    credentials: { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey },
  });
  const dataset = datasetRef(info.bucket, 'datasets', datasetName);
  const prefix = dataset.prefix;
  const put = (key: string, body: string | Buffer) => s3.send(new PutObjectCommand({ Bucket: info.bucket, Key: key, Body: body }));
  const started = Date.now();
  for (let i = 1; i <= MOVIES; i++) await put(`${prefix}/Movies/FoilHole_${i}_Data.tiff`, Buffer.alloc(1024 * i, i));
  const metadata = readFileSync(join(PROJECT_ROOT, 'infra/local/sample-dataset/SPA.yml'));
  await put(`${prefix}/SPA.yml`, metadata);
  console.log(`demo: uploaded ${MOVIES} movies and ${prefix}/SPA.yml to s3://${info.bucket}; waiting for s3od ...`);
  const text = await pollUntil(
    async () => {
      const body = await read(s3, info.bucket, `${prefix}/SPA.yml`);
      return body && /\n\s*PublicURL:/.test(body) ? body : undefined;
    },
    { deadlineMs: 60_000, initialDelayMs: 100, maxDelayMs: 1000, description: 'the access information in SPA.yml' },
  );
  const provisionedMs = Date.now() - started;
  // The movies uploaded before the space existed are registered by the listing provisioning queued.
  const record = await pollUntil(
    async () => {
      const body = await read(s3, info.bucket, `${STATE_PREFIX}${dataset.id}.json`);
      const state = body ? (JSON.parse(body) as DatasetState) : undefined;
      // Provisioned includes the replication steps (the local config asks for 2 replicas).
      // …and the "dataset ready" mail is no longer owed (sent, or failed: the summary says which).
      return state?.import.listing?.done && state.status === 'provisioned' && !state.mailDue?.length ? state : undefined;
    },
    { deadlineMs: 15_000, initialDelayMs: 100, maxDelayMs: 500, description: 'the registration of the movies' },
  ).catch(() => undefined);
  const sim = (await (await fetch(`${info.onedataUrl}/_sim/state`)).json()) as { counts?: Record<string, number> };
  s3.destroy();

  const section = text.slice(text.lastIndexOf('Onedata:')).replace(/(InviteToken: ).{12}.*/, '$1<invite token, in the file>');
  const counts = Object.entries(sim.counts ?? {})
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');
  console.log(
    [
      '',
      `demo: done — ${prefix} is an Onedata dataset`,
      `  provisioned in   ${(provisionedMs / 1000).toFixed(1)} s (upload of SPA.yml → access information written back)`,
      `  space            ${record?.outputs.spaceId ?? '(see the record)'}`,
      `  public URL       ${record?.outputs.publicUrl ?? '(in SPA.yml)'}`,
      `  movies           ${record ? `${record.import.registered} of ${MOVIES} registered into the space` : 'registration still running'}`,
      `  replicas         ${replicasLine(record)}`,
      `  Onedata (sim.)   ${counts || 'nothing'}`,
      `  mail             ${mailLine(record, info.mailDir)}`,
      `  SPA.yml now ends with:`,
      ...section
        .trimEnd()
        .split('\n')
        .map((l) => `    ${l}`),
      `  more: npm run s3od -- status ${prefix}   (replication progress: npm run s3od -- lifecycle run first)`,
      '',
    ].join('\n'),
  );
}

/** The "dataset ready" mail the sample's `NotifyCompletion: true` asked for, and the file the local SMTP server wrote. */
function mailLine(record: DatasetState | undefined, mailDir: string): string {
  const entries = Object.values(record?.mail ?? {});
  if (!entries.length) return 'none sent (is messaging.credentials.email.enabled on?)';
  const newest = existsSync(mailDir)
    ? readdirSync(mailDir)
        .filter((f) => f.endsWith('.eml'))
        .sort()
        .at(-1)
    : undefined;
  const who = entries.map((e) => `${e.address} (${e.state})`).join(', ');
  return `"dataset ready" to ${who}${newest ? ` → ${join(mailDir, newest)}` : ''}`;
}

/** The copies the dataset asked for and where they go (docs/lifecycle.md). */
function replicasLine(record: DatasetState | undefined): string {
  const o = record?.outputs;
  if (!o?.qosRequirementId) return 'no replication requested';
  const where = (o.replicaSupports ?? []).map((r) => r.url).join(', ');
  return `${o.replicasNum} (the facility's + ${where}), QoS requirement ${o.qosRequirementId}`;
}

async function read(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await obj.Body!.transformToString();
  } catch (e) {
    if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
    throw e;
  }
}
