import { DEFAULT_TAGS, validateTags } from '../metadata/section.ts';
import { DEFAULT_LIMITS, METADATA_CEILINGS } from '../metadata/types.ts';
import { registerSecret } from '../log/index.ts';
import type { Raw, Reader } from './reader.ts';
import { READ_ONLY_SPACE_PRIVILEGES, type S3odConfig, type StorageModeName } from './schema.ts';

/**
 * The configuration read section by section (validateConfig in load.ts puts them together). Each
 * reads its keys through the Reader, which names every problem by its key; none stops at the first.
 */

const URL_PATTERN = /^https?:\/\/[^\s/]+/;
const SIMPLE_NAME = /^[^/\\]+$/;

/** Which keys are datasets and which files in them s3od reads and writes (fs2od's rules). */
export function readDatasetLayout(
  r: Reader,
): Pick<S3odConfig, 'bucket' | 'watchedDirectories' | 'metadataFiles' | 'metadataFileTags' | 'fs2odExpiryKeys' | 'fs2odMetadataFile' | 'continousFileImport'> {
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
  const metadataFileTags = readMetadataTags(r);
  // Read from `.fs2od` by the lifecycle pass, under the names the facility's fs2od used.
  // An empty name (fs2od's files may leave one blank) means the default.
  const expiryKey = (k: string, def: string) => r.string(`metadataFileTags.${k}`, def).trim() || def;
  const fs2odExpiryKeys = { deniedProviders: expiryKey('deniedProviders', 'DeniedProviders'), removingTime: expiryKey('removingTime', 'RemovingTime') };
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
    runningFileName: r.string('continousFileImport.runningFileName', '.running', {
      nonEmpty: true,
      pattern: SIMPLE_NAME,
      hint: 'must be a file name without "/"',
    }),
    scanInterval: r.number('continousFileImport.scanInterval', 10800, { min: 1, integer: true }),
    detectModifications: r.boolean('continousFileImport.detectModifications', false),
    detectDeletions: r.boolean('continousFileImport.detectDeletions', false),
  };
  return {
    bucket,
    watchedDirectories: watchedDirectories.map((d) => d.replace(/^\/+|\/+$/g, '')),
    metadataFiles,
    metadataFileTags,
    fs2odExpiryKeys,
    fs2odMetadataFile,
    continousFileImport,
  };
}

/** Our section's names, checked once here with the parser's rules so a bad name stops the start. */
function readMetadataTags(r: Reader): S3odConfig['metadataFileTags'] {
  const problemsBefore = r.problems.length;
  const tag = (k: keyof typeof DEFAULT_TAGS) => r.string(`metadataFileTags.${k}`, DEFAULT_TAGS[k], { nonEmpty: true });
  const tags = {
    onedata: tag('onedata'),
    onezone: tag('onezone'),
    space: tag('space'),
    inviteToken: tag('inviteToken'),
    publicURL: tag('publicURL'),
    // s3od's own (not in fs2od): the "every replica complete" line, written by the lifecycle pass.
    replicas: tag('replicas'),
  };
  // fs2od's bookkeeping-only tag: accepted for compatibility, not used by s3od.
  r.string('metadataFileTags.lastProgramRun', '');
  if (r.problems.length === problemsBefore) {
    try {
      validateTags(tags);
    } catch (e) {
      r.problem('metadataFileTags', (e as Error).message);
    }
  }
  return tags;
}

/** The storage mode and the keys each mode needs (the modes themselves: shared/storage-modes). */
export function readStorage(r: Reader, bucket: string): Pick<S3odConfig, 'storageMode' | 'posixStorage' | 's3Storage'> {
  const storageMode = r.string('storageMode', 's3', { pattern: /^(s3|posix)$/, hint: 'must be "s3" or "posix"' }) as StorageModeName;
  const mountRoot = r.string('posixStorage.mountRoot', '');
  if (storageMode === 'posix' && !mountRoot.startsWith('/')) {
    r.problem('posixStorage.mountRoot', "is required in posix mode: the absolute path where the Oneprovider sees the bucket's filesystem");
  }
  // posix mode imports the whole folder (our section and .fs2od included) into a publicly shared
  // space: the invite token goes into those files only when the operator says so.
  const publishInviteToken = r.boolean('posixStorage.publishInviteToken', false);
  const s3Endpoint = r.string('s3Storage.endpoint', '');
  if (storageMode === 's3' && !URL_PATTERN.test(s3Endpoint)) {
    r.problem('s3Storage.endpoint', "is required in s3 mode: the bucket's S3 URL as the Oneprovider reaches it (http:// or https://)");
  }
  return {
    storageMode,
    posixStorage: { mountRoot: mountRoot.replace(/\/+$/, ''), publishInviteToken },
    s3Storage: { endpoint: s3Endpoint, bucketName: r.string('s3Storage.bucketName', bucket) || bucket },
  };
}

/** The Onezone and the Oneprovider(s) s3od talks to; their tokens come from the environment only. */
export function readRestAccess(r: Reader, doc: Raw): S3odConfig['restAccess'] {
  const onezoneHost = r.string('restAccess.onezone.host', undefined, { nonEmpty: true });
  const providersRaw = r.list('restAccess.oneproviders') ?? [];
  const oneproviders = providersRaw.map((p, i) => {
    const key = `restAccess.oneproviders[${i}]`;
    if (p === null || typeof p !== 'object' || Array.isArray(p)) {
      r.problem(key, 'must be a mapping with host and isPrimary');
      return { host: '', isPrimary: false, storageIds: [] as string[] };
    }
    const entry = p as Raw;
    const host = typeof entry.host === 'string' ? entry.host : '';
    if (!host.trim()) r.problem(`${key}.host`, 'is required');
    if (entry.isPrimary !== undefined && typeof entry.isPrimary !== 'boolean') r.problem(`${key}.isPrimary`, 'must be true or false');
    for (const k of Object.keys(entry)) {
      if (!['host', 'isPrimary', 'apiToken', 'storageIds'].includes(k)) r.problem(`${key}.${k}`, 'is not a known key');
      if (k === 'apiToken') r.problem(`${key}.apiToken`, 'secrets do not belong in the config file: set S3OD_ONEPROVIDER_TOKEN instead');
    }
    const storageIds = Array.isArray(entry.storageIds) ? entry.storageIds.filter((x): x is string => typeof x === 'string' && x !== '') : [];
    if (entry.storageIds !== undefined && (!Array.isArray(entry.storageIds) || storageIds.length !== entry.storageIds.length)) {
      r.problem(`${key}.storageIds`, 'must be a list of storage ids');
    }
    return { host: withScheme(host), isPrimary: entry.isPrimary === true, storageIds };
  });
  if (oneproviders.length === 0) r.problem('restAccess.oneproviders', 'must list at least one Oneprovider');
  else if (oneproviders.length === 1 && !providersRaw.some((p) => (p as Raw)?.isPrimary !== undefined)) oneproviders[0]!.isPrimary = true;
  const primaries = oneproviders.filter((p) => p.isPrimary).length;
  if (oneproviders.length > 0 && primaries !== 1) r.problem('restAccess.oneproviders', `exactly one entry must have isPrimary: true (found ${primaries})`);
  // Keep the primary first, as fs2od does, so code can rely on index 0.
  oneproviders.sort((a, b) => Number(b.isPrimary) - Number(a.isPrimary));
  if (doc.restAccess && typeof doc.restAccess === 'object') {
    const oz = (doc.restAccess as Raw).onezone as Raw | undefined;
    if (oz && typeof oz === 'object' && 'apiToken' in oz) {
      r.seenPrefix('restAccess.onezone.apiToken');
      r.problem('restAccess.onezone.apiToken', 'secrets do not belong in the config file: set S3OD_ONEZONE_TOKEN instead');
    }
  }
  return { onezone: { host: withScheme(onezoneHost) }, oneproviders };
}

/** How many times the invite token may be used: a number, or "infinity" (the default). */
export function readUsageLimit(r: Reader, doc: Raw): number | 'infinity' {
  const usageLimitRaw = ((doc.inviteToken as Raw | undefined) ?? {}).usageLimit;
  if (usageLimitRaw !== undefined && usageLimitRaw !== 'infinity') return r.number('inviteToken.usageLimit', 1, { min: 1, integer: true });
  r.string('inviteToken.usageLimit', 'infinity');
  return 'infinity';
}

/** What s3od creates in Onedata for a dataset, named and owned (fs2od's keys). */
export function readOnedataObjects(
  r: Reader,
): Pick<
  S3odConfig,
  | 'institutionName'
  | 'datasetPrefix'
  | 'testMode'
  | 'testModePrefix'
  | 'importMetadata'
  | 'parseMetadataToShare'
  | 'implicitSpaceSize'
  | 'managerGroupId'
  | 'userGroupId'
  | 'serviceUserId'
> {
  return {
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
  };
}

export function readSpacePrivileges(r: Reader): string[] {
  return r.stringList('spacePrivileges', READ_ONLY_SPACE_PRIVILEGES, { nonEmpty: true });
}

/** Timeouts, retries, concurrency and windows of s3od's own work. */
export function readTuning(r: Reader): Pick<S3odConfig, 'onedata' | 'import' | 'provisioning'> {
  return {
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
}

/**
 * The metadata bounds. Their ceilings keep the worst file a configuration allows inside a 256 MB
 * function (measured: docs/benchmarks.md, metadata-worst-case): the parser's event list is built
 * before any other bound is checked and costs up to ~110 bytes per byte of file, and every node
 * accepted costs ~3–5 KB more through write-back and publication.
 */
export function readMetadataLimits(r: Reader): S3odConfig['limits'] {
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
    r.problem(
      'limits.metadataMaxTotalScalarLength',
      `must be at least ${DEFAULT_LIMITS.maxScalarLength}, the longest single value accepted (got ${limits.metadataMaxTotalScalarLength})`,
    );
  }
  return limits;
}

/**
 * DAREG, the dataset register (fs2od's keys; docs/dareg.md). The host gets `https://` when it has
 * no scheme, as fs2od did. The token may be in the file (fs2od kept it there) or in
 * S3OD_DAREG_TOKEN; either way it is registered for log redaction.
 */
export function readDareg(r: Reader): S3odConfig['dareg'] {
  const enabled = r.boolean('dareg.enabled', false);
  const host = r.string('dareg.host', '').trim();
  if (enabled && host === '') r.problem('dareg.host', "is required when DAREG is enabled (the register's API URL, e.g. https://dareg.example.org/api)");
  else if (host !== '' && !/^(https?:\/\/)?[^\s/]+(\/\S*)?$/.test(host))
    r.problem('dareg.host', `must be a URL such as https://dareg.example.org/api (got ${JSON.stringify(host)})`);
  const token = r.string('dareg.token', '');
  registerSecret(token);
  return {
    enabled,
    host: withScheme(host),
    token,
    originInstancePk: r.number('dareg.origin_instance_pk', 1, { min: 1, integer: true }),
    timeoutSeconds: r.number('dareg.timeoutSeconds', 10, { min: 1, max: 120 }),
  };
}

function withScheme(host: string): string {
  if (!host) return host;
  const h = host.replace(/\/+$/, '');
  return /^https?:\/\//.test(h) ? h : `https://${h}`;
}
