import { createSqsClient } from '../../shared/aws/clients.ts';
import { log } from '../../shared/log/index.ts';
import { Metrics } from '../../shared/metrics/index.ts';
import { loadSecretFiles, parseGoDuration } from './handlers/template.ts';
import { DEFAULT_MAPPINGS, QueueWorker, type QueueMapping, type Schedule } from './queue-worker.ts';

/**
 * The queue worker as a process (a Kubernetes Deployment next to OpenFaaS, or a service beside
 * faasd): `node worker.mjs` from the bundle that infra/openfaas/build.ts writes, or
 * `npx tsx infra/openfaas/queue-worker-main.ts` from a checkout.
 *
 * Environment (see docs/operations.md "On premises"):
 *   S3OD_GATEWAY_URL              http://gateway.openfaas:8080 (required)
 *   S3OD_PROVISION_QUEUE_URL, S3OD_IMPORT_QUEUE_URL   (required)
 *   S3OD_EVENTS_DLQ_URL, S3OD_PROVISION_DLQ_URL, S3OD_IMPORT_DLQ_URL   (optional; depth metrics)
 *   S3OD_SQS_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID/SECRET or AWS_SHARED_CREDENTIALS_FILE
 *   S3OD_JOBS_TOKEN               or the secret file s3od-jobs-token in S3OD_SECRETS_DIR (the
 *                                 functions' job endpoints accept it; never the webhook token)
 *   S3OD_RECONCILE_EVERY          Go duration, default 15m; "0" = off
 *   S3OD_WORKER_WAIT_SECONDS      ReceiveMessage long poll, default 20
 *   S3OD_WORKER_PROVISION_CONCURRENCY, S3OD_WORKER_IMPORT_CONCURRENCY   default 5 each
 *   S3OD_QUEUE_DEPTH_EVERY        Go duration, default 1m; "0" = off
 */
const env = process.env;
const logger = log.child({ fn: 'queue-worker', platform: 'openfaas' });

function required(name: string): string {
  const v = env[name];
  if (!v) {
    logger.error('missing environment variable', { variable: name });
    process.exit(2);
  }
  return v;
}

loadSecretFiles(env);
const region = env.AWS_REGION || 'us-east-1';
const mappings: QueueMapping[] = [
  {
    functionName: 'provision',
    queueUrl: required('S3OD_PROVISION_QUEUE_URL'),
    ...DEFAULT_MAPPINGS.provision,
    concurrency: Number(env.S3OD_WORKER_PROVISION_CONCURRENCY || DEFAULT_MAPPINGS.provision.concurrency),
  },
  {
    functionName: 'import',
    queueUrl: required('S3OD_IMPORT_QUEUE_URL'),
    ...DEFAULT_MAPPINGS.import,
    concurrency: Number(env.S3OD_WORKER_IMPORT_CONCURRENCY || DEFAULT_MAPPINGS.import.concurrency),
  },
];
const reconcileEvery = env.S3OD_RECONCILE_EVERY === '0' ? 0 : parseGoDuration(env.S3OD_RECONCILE_EVERY, 15 * 60_000);
const lifecycleEvery = env.S3OD_LIFECYCLE_EVERY === '0' ? 0 : parseGoDuration(env.S3OD_LIFECYCLE_EVERY, 60 * 60_000);
const schedules: Schedule[] = [
  ...(reconcileEvery > 0 ? [{ functionName: 'reconcile', everyMs: reconcileEvery, timeoutSeconds: 300 }] : []),
  // serverless.yml's EventBridge rate(1 hour): replication progress and expiry (docs/lifecycle.md).
  ...(lifecycleEvery > 0 ? [{ functionName: 'lifecycle', everyMs: lifecycleEvery, timeoutSeconds: 900 }] : []),
];
const depthQueues: Record<string, string> = {};
for (const [name, url] of [
  ['events-dlq', env.S3OD_EVENTS_DLQ_URL],
  ['provision-dlq', env.S3OD_PROVISION_DLQ_URL],
  ['import-dlq', env.S3OD_IMPORT_DLQ_URL],
] as const) {
  if (url) depthQueues[name] = url;
}
if (!env.S3OD_JOBS_TOKEN) logger.warn('S3OD_JOBS_TOKEN is not set: the functions will refuse the jobs this worker posts (401)');

const worker = new QueueWorker({
  gatewayUrl: required('S3OD_GATEWAY_URL'),
  token: env.S3OD_JOBS_TOKEN,
  sqs: createSqsClient(env),
  region,
  mappings,
  schedules,
  waitTimeSeconds: Number(env.S3OD_WORKER_WAIT_SECONDS ?? 20),
  depthIntervalMs: env.S3OD_QUEUE_DEPTH_EVERY === '0' ? 0 : parseGoDuration(env.S3OD_QUEUE_DEPTH_EVERY, 60_000),
  depthQueues,
  log: logger,
  metrics: new Metrics(logger, 'queue-worker'),
});
worker.start();

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info('stopping: finishing the batches in flight', { signal });
    void worker.stop().then(() => process.exit(0));
  });
}
