import { CORE_SCHEMA, dump, load } from 'js-yaml';
import { ConfigError } from '../../../shared/config/index.ts';

/**
 * Translation of an fs2od `config.yaml` into s3od's YAML. s3od kept fs2od's key names where the
 * meaning is the same, so most keys are copied as they are; the rest is reported: keys with no
 * equivalent (and what s3od does instead), secrets (never copied: they go into environment
 * variables), and s3od-only keys filled with placeholders marked CHANGE ME.
 */

export interface TranslateOptions {
  bucket?: string | undefined;
  storageMode?: 's3' | 'posix' | undefined;
  /** Filesystem path the bucket's keys start at (fs2od watched filesystem paths). */
  mountRoot?: string | undefined;
  s3Endpoint?: string | undefined;
}

export interface Fs2odTranslation {
  yaml: string;
  /** fs2od keys that have no s3od equivalent, with what happens instead. */
  unmapped: { key: string; instead: string }[];
  /** Secrets found in the file (values never included), with where they go now. */
  secrets: { key: string; instead: string }[];
  /** s3od keys filled with placeholders, to be completed by the operator. */
  placeholders: { key: string; note: string }[];
  /** Values that were changed on the way (e.g. filesystem paths → key prefixes). */
  notes: { key: string; note: string }[];
  /** The secret values themselves, so the caller can mask them in anything it prints. */
  secretValues: string[];
}

type Raw = Record<string, unknown>;

const isMapping = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Keys copied under the same name (dotted paths), in the order of s3od's example file. */
const COPIED = [
  'metadataFiles',
  'metadataFileTags.onedata',
  'metadataFileTags.onezone',
  'metadataFileTags.space',
  'metadataFileTags.inviteToken',
  'metadataFileTags.publicURL',
  'fs2odMetadataFile.enabled',
  'fs2odMetadataFile.filename',
  'fs2odMetadataFile.storeAccessInfo',
  'continousFileImport.enabled',
  'continousFileImport.runningFileName',
  'continousFileImport.scanInterval',
  'continousFileImport.detectModifications',
  'continousFileImport.detectDeletions',
  'institutionName',
  'datasetPrefix',
  'testMode',
  'testModePrefix',
  'importMetadata',
  'parseMetadataToShare',
  'implicitSpaceSize',
  'managerGroupId',
  'userGroupId',
  'serviceUserId',
  // DAREG, the dataset register (docs/dareg.md): the same keys; the token goes to S3OD_DAREG_TOKEN.
  'dareg.enabled',
  'dareg.host',
  'dareg.origin_instance_pk',
];

/** Required by s3od and allowed to be empty in fs2od: an empty value becomes a placeholder. */
const REQUIRED_NON_EMPTY: Record<string, string> = {
  institutionName: 'shown in every share description',
  managerGroupId: 'the Onezone group that owns the spaces',
  userGroupId: "the parent group of each dataset's user group",
  serviceUserId: 'the user that owns the invite tokens',
};

/** fs2od keys (or subtrees) with no s3od equivalent, and what s3od does instead. */
const UNMAPPED: Record<string, string> = {
  verboseLevel: 's3od writes JSON log lines; choose the level with S3OD_LOG_LEVEL=debug|info|warn|error (fs2od 4–5 ≈ debug)',
  sleepFactor: 'no fixed waits: s3od polls Onedata with backoff until a deadline (onedata.providerWaitSeconds)',
  initialPOSIXlikePermissions: "not applied: s3od's storages are imported read-only, file modes come from the storage",
  'metadataFileTags.deniedProviders': 's3od does no replication, so it writes no DeniedProviders',
  'metadataFileTags.removingTime': 's3od does no timed removal, so it writes no RemovingTime',
  'metadataFileTags.lastProgramRun': "s3od is event-driven and writes no LastProgramRun; a dataset's state is in .s3od-status.yml and `s3od status`",
  messaging: "no e-mail: a dataset's status and failure reason are in .s3od-status.yml beside its metadata file and in `s3od status`; alert from there",
  dataReplication:
    'each space is supported on the primary Oneprovider only: no QoS replicas on other providers, no timed removal from the primary, nothing deleted from the filesystem',
};

/** Secrets fs2od kept in its config file; none is copied. */
function secretInstead(key: string, primaryIndex: number): string {
  if (key === 'restAccess.onezone.apiToken') return 'set S3OD_ONEZONE_TOKEN in the environment (a secret store in production)';
  if (key === `restAccess.oneproviders[${primaryIndex}].apiToken`)
    return 'set S3OD_ONEPROVIDER_TOKEN (only if it differs from the Onezone token; it must allow Oneprovider and Onepanel)';
  if (key.startsWith('restAccess.oneproviders')) return 'not needed: s3od talks to the primary Oneprovider only';
  if (key === 'dareg.token')
    return 'set S3OD_DAREG_TOKEN in the environment (a secret store in production); dareg.token in the config file works too, but is not copied';
  return 'not needed (no e-mail notifications)';
}

const SECRET_KEY = /(apiToken|token|password|secret)$/i;

function get(root: Raw, dotted: string): unknown {
  let cur: unknown = root;
  for (const part of dotted.split('.')) {
    if (!isMapping(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function set(root: Raw, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let cur = root;
  for (const part of parts.slice(0, -1)) {
    if (!isMapping(cur[part])) cur[part] = {};
    cur = cur[part] as Raw;
  }
  cur[parts[parts.length - 1]!] = value;
}

/** Every leaf key of the fs2od document (list items of mappings as `key[i].sub`). */
function leaves(v: unknown, prefix: string, out: [string, unknown][]): void {
  if (isMapping(v)) {
    for (const [k, x] of Object.entries(v)) leaves(x, prefix ? `${prefix}.${k}` : k, out);
  } else if (Array.isArray(v) && v.some(isMapping)) {
    v.forEach((x, i) => leaves(x, `${prefix}[${i}]`, out));
  } else out.push([prefix, v]);
}

/** fs2od watched filesystem paths; s3od watches key prefixes inside the bucket. */
function toKeyPrefix(path: string, mountRoot: string | undefined): { prefix: string; note?: string } {
  const root = mountRoot?.replace(/\/+$/, '');
  if (root && (path === root || path.startsWith(`${root}/`))) return { prefix: path.slice(root.length).replace(/^\/+|\/+$/g, '') };
  if (path.startsWith('/')) {
    const prefix = path.replace(/^\/+|\/+$/g, '');
    return { prefix, note: `${path} is a filesystem path; taken as key prefix "${prefix}" — check it against the bucket's layout (or pass --mount-root)` };
  }
  return { prefix: path.replace(/\/+$/, '') };
}

export function translateFs2odConfig(text: string, opts: TranslateOptions = {}): Fs2odTranslation {
  let doc: unknown;
  try {
    doc = load(text, { schema: CORE_SCHEMA });
  } catch (e) {
    throw new ConfigError([{ key: '(file)', message: `is not valid YAML: ${(e as Error).message.split('\n')[0]}` }], 'fs2od configuration');
  }
  if (!isMapping(doc)) throw new ConfigError([{ key: '(root)', message: 'an fs2od config.yaml is a YAML mapping' }], 'fs2od configuration');
  const t: Fs2odTranslation = { yaml: '', unmapped: [], secrets: [], placeholders: [], notes: [], secretValues: [] };
  const comments = new Map<string, string>();
  const out: Raw = {};
  const handled = new Set<string>();
  const placeholder = (key: string, value: unknown, note: string) => {
    set(out, key, value);
    comments.set(key, `CHANGE ME: ${note}`);
    t.placeholders.push({ key, note });
  };

  // s3od-only keys first, as in s3od's example file.
  if (opts.bucket) set(out, 'bucket', opts.bucket);
  else placeholder('bucket', 'change-me-facility-bucket', 'the facility bucket whose notifications drive s3od (pass --bucket)');

  const mountRoot = opts.mountRoot;
  const watched = get(doc, 'watchedDirectories');
  handled.add('watchedDirectories');
  if (Array.isArray(watched) && watched.length && watched.every((w) => typeof w === 'string')) {
    const prefixes = (watched as string[]).map((w) => {
      const r = toKeyPrefix(w, mountRoot);
      if (r.note) t.notes.push({ key: 'watchedDirectories', note: r.note });
      return r.prefix;
    });
    set(out, 'watchedDirectories', prefixes);
    if (t.notes.some((n) => n.key === 'watchedDirectories')) comments.set('watchedDirectories', 'CHECK: converted from fs2od filesystem paths to key prefixes');
  } else placeholder('watchedDirectories', ['change-me/datasets'], 'key prefixes whose sub-folders are datasets');

  for (const key of COPIED) {
    handled.add(key);
    const v = get(doc, key);
    if (v === undefined || v === null) continue;
    if (key in REQUIRED_NON_EMPTY && typeof v === 'string' && v.trim() === '') continue;
    set(out, key, v);
  }
  for (const [key, note] of Object.entries(REQUIRED_NON_EMPTY)) {
    const v = get(out, key);
    if (v === undefined || (typeof v === 'string' && v.trim() === '')) placeholder(key, `CHANGE-ME-${key}`, `${note} (empty in the fs2od file)`);
  }

  // fs2od always ran in what s3od calls posix mode: the Oneprovider imports the filesystem.
  const mode = opts.storageMode ?? 'posix';
  set(out, 'storageMode', mode);
  if (!opts.storageMode) {
    comments.set('storageMode', 'CHECK: fs2od\'s way (the Oneprovider mounts the filesystem); "s3" registers objects over S3 instead');
    t.notes.push({
      key: 'storageMode',
      note: "posix, as fs2od worked (the Oneprovider imports the mounted filesystem); --storage-mode s3 registers the bucket's objects over S3 instead",
    });
  }
  if (mode === 'posix') {
    if (mountRoot) set(out, 'posixStorage.mountRoot', mountRoot.replace(/\/+$/, ''));
    else
      placeholder(
        'posixStorage.mountRoot',
        '/CHANGE-ME/mount-root',
        "where the Oneprovider sees the bucket's filesystem; storage mount point = mountRoot/<dataset folder> (pass --mount-root)",
      );
  } else if (opts.s3Endpoint) set(out, 's3Storage.endpoint', opts.s3Endpoint);
  else placeholder('s3Storage.endpoint', 'https://change-me.s3.example.org', "the bucket's S3 URL as the Oneprovider reaches it (pass --s3-endpoint)");

  handled.add('restAccess.onezone.host');
  const zoneHost = get(doc, 'restAccess.onezone.host');
  if (typeof zoneHost === 'string' && zoneHost.trim()) set(out, 'restAccess.onezone.host', zoneHost);
  else placeholder('restAccess.onezone.host', 'https://change-me.onezone.example.org', 'the Onezone URL (empty in the fs2od file)');

  handled.add('restAccess.oneproviders');
  const providers = get(doc, 'restAccess.oneproviders');
  if (Array.isArray(providers) && providers.length) {
    const list = providers.filter(isMapping).map((p) => {
      const entry: Raw = { host: p.host ?? '' };
      if (p.isPrimary !== undefined) entry.isPrimary = p.isPrimary;
      // Kept for the record (and `s3od stats`); s3od itself supports on the primary only.
      if (p.storageIds !== undefined && p.isPrimary !== true) entry.storageIds = p.storageIds;
      return entry;
    });
    // fs2od made the first entry primary when none said so; s3od does the same for one entry only.
    if (list.length > 1 && !list.some((p) => p.isPrimary === true)) list[0]!.isPrimary = true;
    set(out, 'restAccess.oneproviders', list);
  } else placeholder('restAccess.oneproviders', [{ host: 'https://change-me.oneprovider.example.org', isPrimary: true }], 'the primary Oneprovider');

  // Everything else in the fs2od file: a secret, a key without equivalent, or unknown.
  const primaryIndex = Array.isArray(providers)
    ? Math.max(
        0,
        providers.findIndex((p) => isMapping(p) && p.isPrimary === true),
      )
    : 0;
  const all: [string, unknown][] = [];
  leaves(doc, '', all);
  const reportedUnmapped = new Set<string>();
  for (const [key, value] of all) {
    const normal = key.replace(/\[\d+\]/g, '');
    const top = key.split(/[.[]/)[0]!;
    if (SECRET_KEY.test(key) && typeof value === 'string' && value !== '' && !/(inviteToken|storeAccessInfo)$/.test(key)) {
      t.secrets.push({ key, instead: secretInstead(key, primaryIndex) });
      t.secretValues.push(value);
      continue;
    }
    if (handled.has(normal) || [...handled].some((h) => normal.startsWith(`${h}.`))) continue;
    if (/^restAccess\.oneproviders\.(host|isPrimary|storageIds|apiToken)$/.test(normal) || normal === 'restAccess.onezone.apiToken') continue;
    const unmappedKey = UNMAPPED[normal] !== undefined ? normal : UNMAPPED[top] !== undefined ? top : undefined;
    if (unmappedKey) {
      if (!reportedUnmapped.has(unmappedKey)) t.unmapped.push({ key: unmappedKey, instead: UNMAPPED[unmappedKey]! });
      reportedUnmapped.add(unmappedKey);
      continue;
    }
    t.unmapped.push({ key, instead: 'not an fs2od key s3od knows; not copied' });
  }

  t.yaml = renderYaml(out, comments);
  return t;
}

function scalar(v: unknown): string {
  return dump(v, { lineWidth: -1, flowLevel: 0 }).trimEnd();
}

/** A small YAML writer that keeps key order and puts a comment after a key. */
function renderYaml(root: Raw, comments: Map<string, string>): string {
  const lines = [
    '# s3od configuration translated from an fs2od config.yaml by `s3od config import-fs2od`.',
    '# Secrets are not in this file: set them as environment variables (S3OD_ONEZONE_TOKEN, ...).',
    '# Lines marked CHANGE ME hold placeholders; CHECK marks converted values. See docs/cli.md.',
  ];
  const walk = (obj: Raw, indent: string, path: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const key = path ? `${path}.${k}` : k;
      const c = comments.has(key) ? `  # ${comments.get(key)}` : '';
      if (isMapping(v)) {
        lines.push(`${indent}${k}:${c}`);
        walk(v, `${indent}  `, key);
      } else if (Array.isArray(v) && v.length && v.every(isMapping)) {
        lines.push(`${indent}${k}:${c}`);
        for (const item of v as Raw[]) {
          Object.entries(item).forEach(([ik, iv], i) => lines.push(`${indent}  ${i === 0 ? '- ' : '  '}${ik}: ${scalar(iv)}`));
        }
      } else lines.push(`${indent}${k}: ${scalar(v)}${c}`);
    }
  };
  walk(root, '', '');
  return lines.join('\n') + '\n';
}
