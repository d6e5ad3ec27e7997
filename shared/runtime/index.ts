import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { sharedS3Client, sharedSqsClient } from '../aws/clients.ts';
import { configFromEnv, ConfigError, loadSecrets, resetConfigCache, type S3odConfig, type S3odSecrets } from '../config/index.ts';
import { KeyClassifier } from '../events/classify.ts';
import { log, type Logger } from '../log/index.ts';
import { StateStore } from '../state/state-store.ts';
import { ObjectStore } from '../storage/objects.ts';

/**
 * What a function container builds once and reuses across invocations: validated configuration,
 * secrets, classifier and SDK clients. Functions receive it; shared/ code never reads env itself.
 */
export interface Runtime {
  config: S3odConfig;
  classifier: KeyClassifier;
  s3: S3Client;
  sqs: SQSClient;
  queueUrls: { provision: string; import: string };
  log: Logger;
  /** Loaded on first use: on-object-event never needs Onedata tokens. */
  secrets(): S3odSecrets;
  /** The facility bucket (metadata files, state records, status objects). */
  objects: ObjectStore;
  states: StateStore;
}

let runtime: Runtime | undefined;

export function getRuntime(env: NodeJS.ProcessEnv = process.env): Runtime {
  if (runtime) return runtime;
  const config = configFromEnv(env);
  const provision = env.S3OD_PROVISION_QUEUE_URL ?? '';
  const imp = env.S3OD_IMPORT_QUEUE_URL ?? '';
  const missing = [!provision && 'S3OD_PROVISION_QUEUE_URL', !imp && 'S3OD_IMPORT_QUEUE_URL'].filter(Boolean) as string[];
  if (missing.length)
    throw new ConfigError(
      missing.map((key) => ({ key, message: 'environment variable is required (queue URL)' })),
      'environment',
    );
  let secrets: S3odSecrets | undefined;
  const s3 = sharedS3Client();
  const objects = new ObjectStore(s3, config.bucket);
  runtime = {
    config,
    classifier: new KeyClassifier(config),
    s3,
    objects,
    states: new StateStore(objects),
    sqs: sharedSqsClient(),
    queueUrls: { provision, import: imp },
    log,
    secrets: () => (secrets ??= loadSecrets(env)),
  };
  return runtime;
}

/** Drop the cached runtime (tests; the local runner after the stack's config changes). */
export function resetRuntime(): void {
  runtime = undefined;
  resetConfigCache();
}
