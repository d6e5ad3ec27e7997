import { readFileSync } from 'node:fs';
import { load as parseYaml, CORE_SCHEMA } from 'js-yaml';
import { registerSecret } from '../log/index.ts';
import { DEFAULT_TAGS, validateTags } from '../metadata/section.ts';
import { READ_ONLY_SPACE_PRIVILEGES, type S3odConfig, type S3odSecrets } from './schema.ts';
import { DEFAULT_LIMITS, METADATA_CEILINGS } from '../metadata/types.ts';

/** One problem with the configuration: the key (dotted path) and why it is wrong. */
export interface ConfigProblem {
  key: string;
  message: string;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: ConfigProblem[], source = 'configuration') {
    super(`invalid ${source}:\n` + problems.map((p) => `  - ${p.key}: ${p.message}`).join('\n'));
  }
}

type Raw = Record<string, unknown>;

/**
 * Reads typed values out of the raw YAML document, collecting every problem instead of stopping
 * at the first, so an operator fixes the file in one go.
 */
class Reader {
  readonly problems: ConfigProblem[] = [];
  private readonly seen = new Set<string>();
  constructor(private readonly root: Raw) {}

  private lookup(key: string): unknown {
    this.seen.add(key);
    let cur: unknown = this.root;
    for (const part of key.split('.')) {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
      cur = (cur as Raw)[part];
    }
    return cur;
  }

  problem(key: string, message: string): void {
    this.problems.push({ key, message });
  }

  string(key: string, def?: string, opts: { nonEmpty?: boolean; pattern?: RegExp; hint?: string } = {}): string {
    const v = this.lookup(key);
    if (v === undefined || v === null) {
      if (def === undefined) this.problem(key, 'is required');
      return def ?? '';
    }
    if (typeof v !== 'string') {
      this.problem(key, `must be a string (got ${describe(v)})`);
      return def ?? '';
    }
    if (opts.nonEmpty && v.trim() === '') this.problem(key, 'must not be empty');
    else if (opts.pattern && !opts.pattern.test(v)) this.problem(key, opts.hint ?? `does not match ${opts.pattern}`);
    return v;
  }

  boolean(key: string, def: boolean): boolean {
    const v = this.lookup(key);
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean') {
      this.problem(key, `must be true or false (got ${describe(v)})`);
      return def;
    }
    return v;
  }

  number(key: string, def: number, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
    const v = this.lookup(key);
    if (v === undefined || v === null) return def;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.problem(key, `must be a number (got ${describe(v)})`);
      return def;
    }
    if (opts.integer && !Number.isInteger(v)) this.problem(key, `must be a whole number (got ${v})`);
    if (opts.min !== undefined && v < opts.min) this.problem(key, `must be at least ${opts.min} (got ${v})`);
    if (opts.max !== undefined && v > opts.max) this.problem(key, `must be at most ${opts.max} (got ${v})`);
    return v;
  }

  stringList(key: string, def?: string[], opts: { nonEmpty?: boolean } = {}): string[] {
    const v = this.lookup(key);
    if (v === undefined || v === null) {
      if (def === undefined) this.problem(key, 'is required (a list of strings)');
      return def ?? [];
    }
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      this.problem(key, `must be a list of strings (got ${describe(v)})`);
      return def ?? [];
    }
    if (opts.nonEmpty && v.length === 0) this.problem(key, 'must list at least one entry');
    return v as string[];
  }

  list(key: string): unknown[] | undefined {
    const v = this.lookup(key);
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) {
      this.problem(key, `must be a list (got ${describe(v)})`);
      return undefined;
    }
    return v;
  }

  /** Accept a whole subtree without reading it (keys kept for fs2od compatibility). */
  seenPrefix(key: string): void {
    this.seen.add(key);
  }

  /** Keys present in the file that no reader asked for: almost always a typo. */
  unknownKeys(): string[] {
    const out: string[] = [];
    const walk = (obj: unknown, prefix: string): void => {
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return;
      for (const [k, v] of Object.entries(obj as Raw)) {
        const key = prefix ? `${prefix}.${k}` : k;
        if (this.seen.has(key)) continue;
        const isParent = [...this.seen].some((s) => s.startsWith(key + '.'));
        if (isParent) walk(v, key);
        else out.push(key);
      }
    };
    walk(this.root, '');
    return out;
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

const URL_PATTERN = /^https?:\/\/[^\s/]+/;
const SIMPLE_NAME = /^[^/\\]+$/;
/** Keys fs2od had that s3od handles elsewhere or no longer needs; accepted so an fs2od file loads. */
const TOLERATED_FS2OD_KEYS = ['verboseLevel', 'sleepFactor', 'initialPOSIXlikePermissions', 'dareg', 'messaging', 'dataReplication'];

/** Validates a parsed config document. Throws ConfigError listing every problem. */
export function validateConfig(doc: unknown, source = 'configuration'): S3odConfig {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError([{ key: '(root)', message: 'the configuration must be a YAML mapping' }], source);
  }
  const r = new Reader(doc as Raw);
  const bucket = r.string('bucket', undefined, {
    pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    hint: 'must be a valid S3 bucket name (3-63 characters: lower-case letters, digits, dots, hyphens)',
  });
  const watchedDirectories = r.stringList('watchedDirectories', undefined, { nonEmpty: true });
  watchedDirectories.forEach((d, i) => {
    if (d.startsWith('/') && d !== '/') r.problem(`watchedDirectories[${i}]`, `is a key prefix and must not start with "/" (got ${JSON.stringify(d)})`);
    if (d.split('/').some((c) => c === '..' || c === '.')) r.problem(`watchedDirectories[${i}]`, 'must not contain "." or ".." components');
  });
  const metadataFiles = r.stringList('metadataFiles', ['SPA.yml'], { nonEmpty: true });
  metadataFiles.forEach((f, i) => {
    if (!SIMPLE_NAME.test(f)) r.problem(`metadataFiles[${i}]`, `must be a file name without "/" (got ${JSON.stringify(f)})`);
  });
  const problemsBeforeTags = r.problems.length;
  const tag = (k: keyof typeof DEFAULT_TAGS) => r.string(`metadataFileTags.${k}`, DEFAULT_TAGS[k], { nonEmpty: true });
  const metadataFileTags = {
    onedata: tag('onedata'),
    onezone: tag('onezone'),
    space: tag('space'),
    inviteToken: tag('inviteToken'),
    publicURL: tag('publicURL'),
  };
  // The rules the metadata parser and writer apply (distinct, no control characters, …), checked
  // here once so a bad name stops the start instead of failing every file.
  if (r.problems.length === problemsBeforeTags) {
    try {
      validateTags(metadataFileTags);
    } catch (e) {
      r.problem('metadataFileTags', (e as Error).message);
    }
  }
  // fs2od's bookkeeping-only tags: accepted for compatibility, not used by s3od.
  for (const k of ['deniedProviders', 'removingTime', 'lastProgramRun']) r.string(`metadataFileTags.${k}`, '');
  const fs2odEnabled = r.boolean('fs2odMetadataFile.enabled', false);
  const fs2odMetadataFile = {
    enabled: fs2odEnabled,
    filename: r.string('fs2odMetadataFile.filename', '.fs2od', { nonEmpty: true, pattern: SIMPLE_NAME, hint: 'must be a file name without "/"' }),
    // As in fs2od: access info can only go to the separate file when that file is enabled.
    storeAccessInfo: fs2odEnabled && r.boolean('fs2odMetadataFile.storeAccessInfo', true),
  };
  if (!fs2odEnabled) r.boolean('fs2odMetadataFile.storeAccessInfo', true);
  const continousFileImport = {
    enabled: r.boolean('continousFileImport.enabled', true),
    runningFileName: r.string('continousFileImport.runningFileName', '.running', { nonEmpty: true, pattern: SIMPLE_NAME, hint: 'must be a file name without "/"' }),
    scanInterval: r.number('continousFileImport.scanInterval', 10800, { min: 1, integer: true }),
    detectModifications: r.boolean('continousFileImport.detectModifications', false),
    detectDeletions: r.boolean('continousFileImport.detectDeletions', false),
  };
  const storageMode = r.string('storageMode', 's3', { pattern: /^(s3|posix)$/, hint: 'must be "s3" or "posix"' }) as 's3' | 'posix';
  const mountRoot = r.string('posixStorage.mountRoot', '');
  if (storageMode === 'posix' && !mountRoot.startsWith('/')) {
    r.problem('posixStorage.mountRoot', 'is required in posix mode: the absolute path where the Oneprovider sees the bucket\'s filesystem');
  }
  // posix mode imports the whole folder (our section and .fs2od included) into a publicly shared
  // space: the invite token goes into those files only when the operator says so.
  const publishInviteToken = r.boolean('posixStorage.publishInviteToken', false);
  const s3Endpoint = r.string('s3Storage.endpoint', '');
  if (storageMode === 's3' && !URL_PATTERN.test(s3Endpoint)) {
    r.problem('s3Storage.endpoint', 'is required in s3 mode: the bucket\'s S3 URL as the Oneprovider reaches it (http:// or https://)');
  }
  const onezoneHost = r.string('restAccess.onezone.host', undefined, { nonEmpty: true });
  const providersRaw = r.list('restAccess.oneproviders') ?? [];
  const oneproviders = providersRaw.map((p, i) => {
    const key = `restAccess.oneproviders[${i}]`;
    if (p === null || typeof p !== 'object' || Array.isArray(p)) {
      r.problem(key, 'must be a mapping with host and isPrimary');
      return { host: '', isPrimary: false };
    }
    const entry = p as Raw;
    const host = typeof entry.host === 'string' ? entry.host : '';
    if (!host.trim()) r.problem(`${key}.host`, 'is required');
    if (entry.isPrimary !== undefined && typeof entry.isPrimary !== 'boolean') r.problem(`${key}.isPrimary`, 'must be true or false');
    for (const k of Object.keys(entry)) {
      if (!['host', 'isPrimary', 'apiToken', 'storageIds'].includes(k)) r.problem(`${key}.${k}`, 'is not a known key');
      if (k === 'apiToken') r.problem(`${key}.apiToken`, 'secrets do not belong in the config file: set S3OD_ONEPROVIDER_TOKEN instead');
    }
    return { host: withScheme(host), isPrimary: entry.isPrimary === true };
  });
  if (oneproviders.length === 0) r.problem('restAccess.oneproviders', 'must list at least one Oneprovider');
  else if (oneproviders.length === 1 && !providersRaw.some((p) => (p as Raw)?.isPrimary !== undefined)) oneproviders[0]!.isPrimary = true;
  const primaries = oneproviders.filter((p) => p.isPrimary).length;
  if (oneproviders.length > 0 && primaries !== 1) r.problem('restAccess.oneproviders', `exactly one entry must have isPrimary: true (found ${primaries})`);
  // Keep the primary first, as fs2od does, so code can rely on index 0.
  oneproviders.sort((a, b) => Number(b.isPrimary) - Number(a.isPrimary));
  if ((doc as Raw).restAccess && typeof (doc as Raw).restAccess === 'object') {
    const oz = ((doc as Raw).restAccess as Raw).onezone as Raw | undefined;
    if (oz && typeof oz === 'object' && 'apiToken' in oz) {
      r.seenPrefix('restAccess.onezone.apiToken');
      r.problem('restAccess.onezone.apiToken', 'secrets do not belong in the config file: set S3OD_ONEZONE_TOKEN instead');
    }
  }
  const usageLimitRaw = (((doc as Raw).inviteToken as Raw | undefined) ?? {}).usageLimit;
  let usageLimit: number | 'infinity' = 'infinity';
  if (usageLimitRaw !== undefined && usageLimitRaw !== 'infinity') {
    usageLimit = r.number('inviteToken.usageLimit', 1, { min: 1, integer: true });
  } else r.string('inviteToken.usageLimit', 'infinity');

  const config: S3odConfig = {
    bucket,
    watchedDirectories: watchedDirectories.map((d) => d.replace(/^\/+|\/+$/g, '')),
    metadataFiles,
    metadataFileTags,
    fs2odMetadataFile,
    continousFileImport,
    institutionName: r.string('institutionName', undefined, { nonEmpty: true }),
    datasetPrefix: r.string('datasetPrefix', ''),
    testMode: r.boolean('testMode', false),
    testModePrefix: r.string('testModePrefix', 'test_fs2od'),
    importMetadata: r.boolean('importMetadata', true),
    parseMetadataToShare: r.boolean('parseMetadataToShare', false),
    implicitSpaceSize: r.number('implicitSpaceSize', 10995116277760, { min: 1048576, integer: true }),
    managerGroupId: r.string('managerGroupId', undefined, { nonEmpty: true }),
    userGroupId: r.string('userGroupId', undefined, { nonEmpty: true }),
    serviceUserId: r.string('serviceUserId', undefined, { nonEmpty: true }),
    storageMode,
    posixStorage: { mountRoot: mountRoot.replace(/\/+$/, ''), publishInviteToken },
    s3Storage: { endpoint: s3Endpoint, bucketName: r.string('s3Storage.bucketName', bucket) || bucket },
    restAccess: { onezone: { host: withScheme(onezoneHost) }, oneproviders },
    inviteToken: { usageLimit, validForSeconds: r.number('inviteToken.validForSeconds', 0, { min: 0, integer: true }) },
    spacePrivileges: r.stringList('spacePrivileges', READ_ONLY_SPACE_PRIVILEGES, { nonEmpty: true }),
    limits: metadataLimits(r),
    onedata: {
      timeoutMs: r.number('onedata.timeoutMs', 30000, { min: 100, integer: true }),
      retries: r.number('onedata.retries', 5, { min: 0, max: 20, integer: true }),
      concurrency: r.number('onedata.concurrency', 8, { min: 1, max: 64, integer: true }),
      providerWaitSeconds: r.number('onedata.providerWaitSeconds', 120, { min: 1 }),
      providerPollMaxMs: r.number('onedata.providerPollMaxMs', 1000, { min: 10, max: 30000, integer: true }),
      supportTokenTtlSeconds: r.number('onedata.supportTokenTtlSeconds', 300, { min: 30, integer: true }),
    },
    import: {
      coalesceWindowSeconds: r.number('import.coalesceWindowSeconds', 30, { min: 0, max: 900 }),
      registrationConcurrency: r.number('import.registrationConcurrency', 10, { min: 1, max: 64, integer: true }),
      registrationBatchSize: r.number('import.registrationBatchSize', 100, { min: 1, max: 10000, integer: true }),
      shrinkOnFreeze: r.boolean('import.shrinkOnFreeze', true),
      maxParallelScans: r.number('import.maxParallelScans', 10, { min: 1, max: 100, integer: true }),
    },
    provisioning: {
      leaseSeconds: r.number('provisioning.leaseSeconds', 120, { min: 5 }),
      maxAttempts: r.number('provisioning.maxAttempts', 5, { min: 1, integer: true }),
    },
  };
  for (const k of TOLERATED_FS2OD_KEYS) r.seenPrefix(k);
  for (const key of r.unknownKeys()) r.problem(key, 'is not a known key (a typo?)');
  if (r.problems.length) throw new ConfigError(r.problems, source);
  return config;
}

/**
 * The metadata bounds. Their ceilings keep the worst file a configuration allows inside a 256 MB
 * function (measured: docs/benchmarks.md, metadata-worst-case): the parser's event list is built
 * before any other bound is checked and costs up to ~110 bytes per byte of file, and every node
 * accepted costs ~3–5 KB more through write-back and publication.
 */
function metadataLimits(r: Reader): S3odConfig['limits'] {
  const limits = {
    metadataMaxBytes: r.number('limits.metadataMaxBytes', DEFAULT_LIMITS.maxBytes, { min: 1024, max: METADATA_CEILINGS.maxBytes, integer: true }),
    metadataMaxDepth: r.number('limits.metadataMaxDepth', DEFAULT_LIMITS.maxDepth, { min: 2, max: METADATA_CEILINGS.maxDepth, integer: true }),
    metadataMaxNodes: r.number('limits.metadataMaxNodes', DEFAULT_LIMITS.maxNodes, { min: 100, max: METADATA_CEILINGS.maxNodes, integer: true }),
    metadataMaxTotalScalarLength: r.number('limits.metadataMaxTotalScalarLength', DEFAULT_LIMITS.maxTotalScalarLength, {
      min: 1024,
      max: METADATA_CEILINGS.maxTotalScalarLength,
      integer: true,
    }),
  };
  // A single value may never be longer than all of them together may be.
  if (limits.metadataMaxTotalScalarLength < DEFAULT_LIMITS.maxScalarLength) {
    r.problem('limits.metadataMaxTotalScalarLength', `must be at least ${DEFAULT_LIMITS.maxScalarLength}, the longest single value accepted (got ${limits.metadataMaxTotalScalarLength})`);
  }
  return limits;
}

function withScheme(host: string): string {
  if (!host) return host;
  const h = host.replace(/\/+$/, '');
  return /^https?:\/\//.test(h) ? h : `https://${h}`;
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
  };
  if (problems.length) throw new ConfigError(problems, 'environment');
  // The endpoint tokens are checked by the handlers (shared/events/webhook-auth.ts), never used
  // here; they are registered so that no log line of this function can carry them.
  for (const v of [...Object.values(secrets), env.S3OD_WEBHOOK_TOKEN, env.S3OD_JOBS_TOKEN]) if (typeof v === 'string') registerSecret(v);
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

/** Forget the cached configuration (tests, and the local runner after it rewrites the file). */
export function resetConfigCache(): void {
  cached = undefined;
}
