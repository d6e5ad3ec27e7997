import { readFileSync } from 'node:fs';
import { load as parseYaml, CORE_SCHEMA } from 'js-yaml';
import { registerSecret } from '../log/index.ts';
import {
  readDareg,
  readDatasetLayout,
  readMetadataLimits,
  readOnedataObjects,
  readRestAccess,
  readSpacePrivileges,
  readStorage,
  readTuning,
  readUsageLimit,
} from './read-sections.ts';
import { readDataReplication, readLifecycle } from './read-lifecycle.ts';
import { readMessaging } from './read-messaging.ts';
import { ConfigError, Reader, type ConfigProblem, type Raw } from './reader.ts';
import type { S3odConfig, S3odSecrets } from './schema.ts';

export { ConfigError, type ConfigProblem } from './reader.ts';

const TOLERATED_FS2OD_KEYS = ['verboseLevel', 'sleepFactor', 'initialPOSIXlikePermissions'];

/**
 * Validates a parsed config document, section by section (read-sections.ts). Throws ConfigError
 * listing every problem, each named by its key.
 */
export function validateConfig(doc: unknown, source = 'configuration'): S3odConfig {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError([{ key: '(root)', message: 'the configuration must be a YAML mapping' }], source);
  }
  const raw = doc as Raw;
  const r = new Reader(raw);
  const layout = readDatasetLayout(r);
  const storage = readStorage(r, layout.bucket);
  const restAccess = readRestAccess(r, raw);
  const usageLimit = readUsageLimit(r, raw);
  const objects = readOnedataObjects(r);
  const config: S3odConfig = {
    ...layout,
    ...objects,
    ...storage,
    restAccess,
    inviteToken: { usageLimit, validForSeconds: r.number('inviteToken.validForSeconds', 0, { min: 0, integer: true }) },
    spacePrivileges: readSpacePrivileges(r),
    limits: readMetadataLimits(r),
    ...readTuning(r),
    dataReplication: readDataReplication(r, restAccess, objects.implicitSpaceSize),
    lifecycle: readLifecycle(r),
    messaging: readMessaging(r),
    dareg: readDareg(r),
  };
  // fs2od kept its reminder offsets under messaging.email; either place (or both) schedules them.
  config.lifecycle.timeBeforeAction = [...new Set([...config.lifecycle.timeBeforeAction, ...config.messaging.email.timeBeforeAction])];
  // Keys fs2od had that s3od handles elsewhere or no longer needs: accepted so an fs2od file loads.
  for (const k of TOLERATED_FS2OD_KEYS) r.seenPrefix(k);
  for (const key of r.unknownKeys()) r.problem(key, 'is not a known key (a typo?)');
  for (const { key, got } of r.misshapenSections()) r.problem(key, `must be a mapping of the keys under it (got ${got})`);
  if (r.problems.length) throw new ConfigError(r.problems, source);
  return config;
}

/** Parses and validates YAML text (CORE schema: no dates, no merge keys). */
export function parseConfig(text: string, source = 'configuration'): S3odConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text, { schema: CORE_SCHEMA });
  } catch (e) {
    throw new ConfigError([{ key: '(file)', message: `is not valid YAML: ${(e as Error).message.split('\n')[0]}` }], source);
  }
  return validateConfig(doc, source);
}

export function loadConfigFile(path: string): S3odConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError([{ key: '(file)', message: `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` }], path);
  }
  return parseConfig(text, path);
}

/** Reads secrets from the environment and registers them for log redaction. */
export function loadSecrets(env: NodeJS.ProcessEnv = process.env): S3odSecrets {
  const problems: ConfigProblem[] = [];
  const onezoneToken = env.S3OD_ONEZONE_TOKEN ?? '';
  if (!onezoneToken) problems.push({ key: 'S3OD_ONEZONE_TOKEN', message: 'environment variable is required (the Onezone access token)' });
  const secrets: S3odSecrets = {
    onezoneToken,
    oneproviderToken: env.S3OD_ONEPROVIDER_TOKEN || onezoneToken,
    storageAccessKey: env.S3OD_STORAGE_ACCESS_KEY || undefined,
    storageSecretKey: env.S3OD_STORAGE_SECRET_KEY || undefined,
    smtpPassword: env.S3OD_SMTP_PASSWORD || undefined,
    daregToken: env.S3OD_DAREG_TOKEN || undefined,
  };
  if (problems.length) throw new ConfigError(problems, 'environment');
  // The endpoint tokens are checked by the handlers (shared/events/webhook-auth.ts), never used
  // here; they are registered so that no log line of this function can carry them.
  for (const v of [...Object.values(secrets), env.S3OD_WEBHOOK_TOKEN, env.S3OD_JOBS_TOKEN, env.S3OD_WEBHOOK_TOKEN_PREVIOUS, env.S3OD_JOBS_TOKEN_PREVIOUS])
    if (typeof v === 'string') registerSecret(v);
  return secrets;
}

/**
 * The configuration for this process: the file named by S3OD_CONFIG, or inline YAML in
 * S3OD_CONFIG_YAML (handy for Lambda). Cached: a function container validates once at start.
 */
let cached: S3odConfig | undefined;
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): S3odConfig {
  if (cached) return cached;
  if (env.S3OD_CONFIG_YAML) cached = parseConfig(env.S3OD_CONFIG_YAML, 'S3OD_CONFIG_YAML');
  else if (env.S3OD_CONFIG) cached = loadConfigFile(env.S3OD_CONFIG);
  else throw new ConfigError([{ key: 'S3OD_CONFIG', message: 'environment variable is required: the path of the s3od YAML config file' }], 'environment');
  return cached;
}

/**
 * The one check that needs both the file and the environment, made by the functions that talk to
 * DAREG (provision, lifecycle) on every invocation: DAREG enabled without a token. Not by the
 * others: each function is given only the secrets it uses, so on-object-event, import and
 * reconcile never see S3OD_DAREG_TOKEN, and must not stop for it.
 */
export function requireDaregToken(config: S3odConfig, env: NodeJS.ProcessEnv = process.env): void {
  if (!config.dareg.enabled || config.dareg.token || env.S3OD_DAREG_TOKEN) return;
  throw new ConfigError(
    [{ key: 'dareg.token', message: 'DAREG is enabled but has no token: set S3OD_DAREG_TOKEN (or dareg.token in the config file)' }],
    'configuration',
  );
}

/** Forget the cached configuration (tests, and the local runner after it rewrites the file). */
export function resetConfigCache(): void {
  cached = undefined;
}
