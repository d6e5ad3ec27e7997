import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { datasetRef, type DatasetRef } from '../../shared/dataset/ref.ts';
import { parseMetadata } from '../../shared/metadata/index.ts';
import type { ProvisioningDeps, SagaRun } from '../../shared/provisioning/context.ts';
import { onedataNameFor } from '../../shared/provisioning/provision-dataset.ts';
import { runSaga } from '../../shared/provisioning/saga.ts';
import type { StepDef } from '../../shared/provisioning/steps.ts';
import { sendJobs } from '../../shared/queue/sqs-sender.ts';
import { getRuntime } from '../../shared/runtime/index.ts';
import { onedataClient, onedataProviders } from '../../shared/runtime/onedata.ts';
import type { DatasetState } from '../../shared/state/dataset-state.ts';
import type { VersionedState } from '../../shared/state/state-store.ts';
import { log, SecretScope } from '../../shared/log/index.ts';
import { PROJECT_ROOT } from '../../infra/local/stack.ts';
import { sleep } from './stats.ts';

/** The demo's metadata file (nested sections, a comment): what an instrument writes. */
export const SAMPLE_METADATA = readFileSync(`${PROJECT_ROOT}/infra/local/sample-dataset/SPA.yml`, 'utf8');

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(3).toString('hex')}`;
}

export async function putObject(s3: S3Client, bucket: string, key: string, body: string | Buffer): Promise<string> {
  const res = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return (res.ETag ?? '').replace(/"/g, '');
}

export async function getText(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  try {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return await res.Body!.transformToString();
  } catch (e) {
    if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
    throw e;
  }
}

/** Runs `fn` over `items` with at most `n` at a time; results in item order. */
export async function mapLimit<T, R>(items: T[], n: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

/** Reads a dataset's record (`.s3od/state/<id>.json`). */
export async function readRecord(s3: S3Client, bucket: string, ds: DatasetRef): Promise<DatasetState | undefined> {
  const text = await getText(s3, bucket, `.s3od/state/${ds.id}.json`);
  return text ? (JSON.parse(text) as DatasetState) : undefined;
}

/** Polls the record until `pred` holds (bounded). */
export async function waitForRecord(
  s3: S3Client,
  bucket: string,
  ds: DatasetRef,
  pred: (s: DatasetState) => boolean,
  deadlineMs: number,
  intervalMs = 100,
): Promise<DatasetState> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    const st = await readRecord(s3, bucket, ds);
    if (st && pred(st)) return st;
    await sleep(intervalMs);
  }
  throw new Error(`dataset ${ds.prefix}: record did not reach the expected state within ${deadlineMs} ms`);
}

export interface SagaTiming {
  /** runSaga start → the access information written back (S3 PUT done). */
  toWriteBackMs: number;
  /** runSaga start → every step recorded. */
  sagaMs: number;
  state: DatasetState;
}

/**
 * The saga of one dataset run in this process, the way `provisionDataset` runs it (lease, one
 * serialised writer of the record, every completed step recorded before its dependants start),
 * but with a step list of the caller's choosing — so the production graph and a strictly
 * sequential order can be compared on equal terms. `writeBackAt` tells when the access
 * information was written (from the function log).
 */
export async function runSagaDirect(ds: DatasetRef, steps: StepDef[], writeBackAt: () => number | undefined): Promise<SagaTiming> {
  const rt = getRuntime();
  const { config, states, objects } = rt;
  const leaseMs = config.provisioning.leaseSeconds * 1000;
  const deps: ProvisioningDeps = {
    config,
    secrets: rt.secrets(),
    onedata: onedataClient(rt),
    // Every configured Oneprovider, as the provision handler passes them: the replication steps use the secondaries.
    providers: onedataProviders(rt),
    objects,
    states,
    enqueueListing: async (job) => {
      await sendJobs(rt.sqs, rt.queueUrls.import, [job]);
    },
    log: log.child({ fn: 'bench-saga' }),
  };
  const owner = randomUUID();
  const leased = await states.acquireLease(ds, owner, leaseMs);
  if ('busy' in leased) throw new Error(`${ds.prefix} is leased by another worker`);
  let current: VersionedState = leased;
  let saving: Promise<void> = Promise.resolve();
  const save = (edit: (s: DatasetState) => void): Promise<void> => {
    saving = saving.then(async () => {
      edit(current.state);
      states.renew(current, leaseMs);
      current = await states.save(current);
    });
    return saving;
  };
  const key = `${ds.prefix}/SPA.yml`;
  const obj = await objects.get(key, config.limits.metadataMaxBytes);
  if (!obj) throw new Error(`${key} missing`);
  const parsed = parseMetadata(obj.body, { maxBytes: config.limits.metadataMaxBytes, tags: config.metadataFileTags });
  if (!parsed.ok) throw new Error(`${key}: ${parsed.error.message}`);
  const runLog = log.child({ fn: 'bench-saga', dataset: ds.prefix, correlationId: randomUUID() });
  const run: SagaRun = {
    deps,
    record: current,
    metadata: { key, fileName: 'SPA.yml', etag: obj.etag, text: parsed.text, doc: parsed.doc },
    name: onedataNameFor(ds.name, config),
    mayHaveRunBefore: false,
    // The benchmark's saga is the only writer of its records: no lease to confirm.
    confirmLease: async () => undefined,
    log: runLog,
    outputs: current.state.outputs,
    redaction: new SecretScope(),
  };
  const t0 = Date.now();
  try {
    await runSaga(run, steps, (step, outputs) =>
      save((s) => {
        s.completedSteps[step] = new Date().toISOString();
        Object.assign(s.outputs, outputs);
        run.record = current;
      }),
    );
  } finally {
    run.redaction.close();
  }
  const t1 = Date.now();
  await save((s) => {
    s.status = 'provisioned';
    s.provisionedAt = new Date().toISOString();
    delete s.lease;
  });
  const wb = writeBackAt();
  if (wb === undefined) throw new Error(`${ds.prefix}: no write-back logged`);
  return { toWriteBackMs: wb - t0, sagaMs: t1 - t0, state: current.state };
}

/**
 * A dataset folder outside the watched directories: uploading its metadata file raises no job,
 * so only the saga run by the benchmark touches it.
 */
export function unwatchedDataset(bucket: string, name: string): DatasetRef {
  return datasetRef(bucket, 'bench-direct', name);
}
