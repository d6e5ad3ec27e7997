import { CORE_SCHEMA, dump, load } from 'js-yaml';
import { ConfigError } from '../../../shared/config/index.ts';
import { parseDuration } from '../../../shared/lifecycle/duration.ts';

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
  // Read from .fs2od by the lifecycle pass under these names (docs/lifecycle.md).
  'metadataFileTags.deniedProviders',
  'metadataFileTags.removingTime',
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
];

/**
 * Keys copied under the same name that come after `restAccess` in s3od's example file: every key
 * s3od's loader reads in these sections (shared/config/read-lifecycle.ts, read-messaging.ts,
 * read-sections.ts), fs2od's and the few s3od added. The secrets among them are not here.
 */
const COPIED_AFTER_ACCESS = [
  // Replicas on the secondaries and removal from the primary (docs/lifecycle.md).
  'dataReplication.enabled',
  'dataReplication.numberOfReplicas',
  'dataReplication.qosExpression',
  'dataReplication.supportSize',
  'dataReplication.timeUntilRemoved',
  'dataReplication.removeFromFilesystem',
  // E-mail (docs/notifications.md); the password goes to S3OD_SMTP_PASSWORD.
  ...['enabled', 'smtpServer', 'smtpPort', 'login', 'encryptionMethod', 'messageSender', 'timeoutSeconds', 'caFile'].map(
    (k) => `messaging.credentials.email.${k}`,
  ),
  'messaging.email.to.space_creation',
  'messaging.email.to.space_deletion',
  'messaging.email.to.failure',
  'messaging.email.timeBeforeAction',
  'messaging.email.language',
  // DAREG, the dataset register (docs/dareg.md); the token goes to S3OD_DAREG_TOKEN.
  'dareg.enabled',
  'dareg.host',
  'dareg.origin_instance_pk',
  'dareg.timeoutSeconds',
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
  'metadataFileTags.lastProgramRun': "s3od is event-driven and writes no LastProgramRun; a dataset's state is in .s3od-status.yml and `s3od status`",
};

/** Secrets fs2od kept in its config file, and where s3od takes each from instead; none is copied. */
function secretInstead(key: string, primaryIndex: number, providers: unknown): string {
  if (key === 'restAccess.onezone.apiToken') return 'set S3OD_ONEZONE_TOKEN in the environment (a secret store in production)';
  if (key === `restAccess.oneproviders[${primaryIndex}].apiToken`)
    return 'set S3OD_ONEPROVIDER_TOKEN (only if it differs from the Onezone token; it must allow Oneprovider and Onepanel)';
  const other = /^restAccess\.oneproviders\[(\d+)\]\.apiToken$/.exec(key);
  if (other) {
    // s3od has no per-provider token: one provider token serves the primary and every secondary.
    const entry = Array.isArray(providers) ? providers[Number(other[1])] : undefined;
    const host = isMapping(entry) && typeof entry.host === 'string' && entry.host ? entry.host : 'this provider';
    return `no per-provider token in s3od: S3OD_ONEPROVIDER_TOKEN (default: the Onezone token) is used for every Oneprovider, so it must also be accepted by ${host} and its Onepanel`;
  }
  if (key === 'dareg.token')
    return 'set S3OD_DAREG_TOKEN in the environment (a secret store in production); dareg.token in the config file works too, but is not copied';
  if (key === 'messaging.credentials.email.password')
    return 'set S3OD_SMTP_PASSWORD in the environment (a secret store in production; used with messaging.credentials.email.login); s3od refuses it in the config file';
  return 'not copied: s3od reads no such secret';
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

/** The translation under way: the fs2od document, the s3od one being built, and the report. */
interface Work {
  doc: Raw;
  out: Raw;
  t: Fs2odTranslation;
  comments: Map<string, string>;
  /** fs2od keys (dotted, list indexes dropped) dealt with: copied, converted or replaced. */
  handled: Set<string>;
}

function placeholder(w: Work, key: string, value: unknown, note: string): void {
  set(w.out, key, value);
  w.comments.set(key, `CHANGE ME: ${note}`);
  w.t.placeholders.push({ key, note });
}

/** A value changed on the way: marked CHECK in the file and said in the report. */
function converted(w: Work, key: string, value: unknown, note: string): void {
  set(w.out, key, value);
  w.comments.set(key, `CHECK: ${note}`);
  w.t.notes.push({ key, note });
}

function copy(w: Work, keys: string[]): void {
  for (const key of keys) {
    w.handled.add(key);
    const v = get(w.doc, key);
    if (v === undefined || v === null) continue;
    if (key in REQUIRED_NON_EMPTY && typeof v === 'string' && v.trim() === '') continue;
    set(w.out, key, v);
  }
}

export function translateFs2odConfig(text: string, opts: TranslateOptions = {}): Fs2odTranslation {
  let doc: unknown;
  try {
    doc = load(text, { schema: CORE_SCHEMA });
  } catch (e) {
    throw new ConfigError([{ key: '(file)', message: `is not valid YAML: ${(e as Error).message.split('\n')[0]}` }], 'fs2od configuration');
  }
  if (!isMapping(doc)) throw new ConfigError([{ key: '(root)', message: 'an fs2od config.yaml is a YAML mapping' }], 'fs2od configuration');
  const w: Work = {
    doc,
    out: {},
    t: { yaml: '', unmapped: [], secrets: [], placeholders: [], notes: [], secretValues: [] },
    comments: new Map(),
    handled: new Set(),
  };
  const { out, t, comments, handled } = w;

  // s3od-only keys first, as in s3od's example file.
  if (opts.bucket) set(out, 'bucket', opts.bucket);
  else placeholder(w, 'bucket', 'change-me-facility-bucket', 'the facility bucket whose notifications drive s3od (pass --bucket)');

  const mountRoot = opts.mountRoot;
  const watched = get(doc, 'watchedDirectories');
  handled.add('watchedDirectories');
  if (Array.isArray(watched) && watched.length && watched.every((x) => typeof x === 'string')) {
    const prefixes = (watched as string[]).map((x) => {
      const r = toKeyPrefix(x, mountRoot);
      if (r.note) t.notes.push({ key: 'watchedDirectories', note: r.note });
      return r.prefix;
    });
    set(out, 'watchedDirectories', prefixes);
    if (t.notes.some((n) => n.key === 'watchedDirectories')) comments.set('watchedDirectories', 'CHECK: converted from fs2od filesystem paths to key prefixes');
  } else placeholder(w, 'watchedDirectories', ['change-me/datasets'], 'key prefixes whose sub-folders are datasets');

  copy(w, COPIED);
  for (const [key, note] of Object.entries(REQUIRED_NON_EMPTY)) {
    const v = get(out, key);
    if (v === undefined || (typeof v === 'string' && v.trim() === '')) placeholder(w, key, `CHANGE-ME-${key}`, `${note} (empty in the fs2od file)`);
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
        w,
        'posixStorage.mountRoot',
        '/CHANGE-ME/mount-root',
        "where the Oneprovider sees the bucket's filesystem; storage mount point = mountRoot/<dataset folder> (pass --mount-root)",
      );
  } else if (opts.s3Endpoint) set(out, 's3Storage.endpoint', opts.s3Endpoint);
  else placeholder(w, 's3Storage.endpoint', 'https://change-me.s3.example.org', "the bucket's S3 URL as the Oneprovider reaches it (pass --s3-endpoint)");

  translateRestAccess(w);
  copy(w, COPIED_AFTER_ACCESS);
  fitReplication(w);
  fitDurations(w);
  fitEmail(w);
  reportTheRest(w);

  t.yaml = renderYaml(out, comments);
  return t;
}

function translateRestAccess(w: Work): void {
  w.handled.add('restAccess.onezone.host');
  const zoneHost = get(w.doc, 'restAccess.onezone.host');
  if (typeof zoneHost === 'string' && zoneHost.trim()) set(w.out, 'restAccess.onezone.host', zoneHost);
  else placeholder(w, 'restAccess.onezone.host', 'https://change-me.onezone.example.org', 'the Onezone URL (empty in the fs2od file)');

  w.handled.add('restAccess.oneproviders');
  const providers = get(w.doc, 'restAccess.oneproviders');
  if (Array.isArray(providers) && providers.length) {
    const list = providers.filter(isMapping).map((p) => {
      const entry: Raw = { host: p.host ?? '' };
      if (p.isPrimary !== undefined) entry.isPrimary = p.isPrimary;
      // A secondary's storage for replicas (dataReplication); fs2od's default [""] names none.
      const ids = Array.isArray(p.storageIds) ? p.storageIds.filter((x) => x !== '') : p.storageIds;
      if (ids !== undefined && p.isPrimary !== true && !(Array.isArray(ids) && ids.length === 0)) entry.storageIds = ids;
      return entry;
    });
    // fs2od made the first entry primary when none said so; s3od does the same for one entry only.
    if (list.length > 1 && !list.some((p) => p.isPrimary === true)) list[0]!.isPrimary = true;
    set(w.out, 'restAccess.oneproviders', list);
  } else placeholder(w, 'restAccess.oneproviders', [{ host: 'https://change-me.oneprovider.example.org', isPrimary: true }], 'the primary Oneprovider');
}

/**
 * What s3od checks about replication and fs2od did not: fs2od capped numberOfReplicas at the
 * number of providers silently (s3od refuses more), and a secondary needs its storage for replicas.
 */
function fitReplication(w: Work): void {
  if (get(w.out, 'dataReplication.enabled') !== true) return;
  const providers = (get(w.out, 'restAccess.oneproviders') as Raw[] | undefined) ?? [];
  const wanted = get(w.out, 'dataReplication.numberOfReplicas');
  if (typeof wanted === 'number' && wanted > providers.length && providers.length > 0)
    converted(
      w,
      'dataReplication.numberOfReplicas',
      providers.length,
      `${wanted} in the fs2od file, which fs2od capped at the ${providers.length} Oneprovider(s)`,
    );
  providers.forEach((p, i) => {
    if (p.isPrimary === true || p.storageIds !== undefined) return;
    // Inside a list item the writer puts no comment: the CHANGE-ME value itself marks it.
    p.storageIds = ['CHANGE-ME-storage-id'];
    w.t.placeholders.push({ key: `restAccess.oneproviders[${i}].storageIds`, note: `the storage ${String(p.host)} keeps replicas on` });
  });
}

/** fs2od read an unparseable duration as `never` (and dropped such reminders); s3od refuses it. */
function fitDurations(w: Work): void {
  const removal = get(w.out, 'dataReplication.timeUntilRemoved');
  if (typeof removal === 'string' && !parseDuration(removal))
    converted(w, 'dataReplication.timeUntilRemoved', 'never', `${JSON.stringify(removal)} in the fs2od file, which fs2od read as never`);
  const reminders = get(w.out, 'messaging.email.timeBeforeAction');
  if (Array.isArray(reminders) && reminders.every((x) => typeof x === 'string')) {
    const bad = reminders.filter((x) => !parseDuration(x));
    if (bad.length)
      converted(
        w,
        'messaging.email.timeBeforeAction',
        reminders.filter((x) => parseDuration(x)),
        `${bad.map((x) => JSON.stringify(x)).join(', ')} dropped: fs2od read such a value as never and sent no reminder for it`,
      );
  }
}

/** fs2od's e-mail settings in the shape s3od reads, and what s3od needs when e-mail is on. */
function fitEmail(w: Work): void {
  const method = get(w.out, 'messaging.credentials.email.encryptionMethod');
  // fs2od's validation accepted only its typo, so a working fs2od file may say STRATTLS.
  if (typeof method === 'string' && method.trim().toUpperCase() === 'STRATTLS')
    converted(w, 'messaging.credentials.email.encryptionMethod', 'STARTTLS', '"STRATTLS" (fs2od\'s typo) written as STARTTLS');
  // fs2od's sample config listed recipients as single-key mappings; its code (and s3od) read a mapping.
  const to = get(w.doc, 'messaging.email.to');
  if (Array.isArray(to)) {
    for (const item of to.filter(isMapping))
      for (const [event, list] of Object.entries(item))
        if (['space_creation', 'space_deletion', 'failure'].includes(event)) set(w.out, `messaging.email.to.${event}`, list);
    const note = "a list of single-key mappings (fs2od's sample form) written as a mapping of event → recipients";
    w.comments.set('messaging.email.to', `CHECK: ${note}`);
    w.t.notes.push({ key: 'messaging.email.to', note });
  }
  if (get(w.out, 'messaging.credentials.email.enabled') !== true) return;
  const empty = (key: string) => {
    const v = get(w.out, key);
    return typeof v !== 'string' || v.trim() === '';
  };
  if (empty('messaging.credentials.email.smtpServer'))
    placeholder(w, 'messaging.credentials.email.smtpServer', 'smtp.change-me.example.org', 'the SMTP server (e-mail is enabled)');
  if (empty('messaging.credentials.email.messageSender'))
    placeholder(w, 'messaging.credentials.email.messageSender', 'change-me@example.org', 'the From address (e-mail is enabled)');
}

/** Everything else in the fs2od file: a secret, a key without equivalent, or unknown. */
function reportTheRest(w: Work): void {
  const providers = get(w.doc, 'restAccess.oneproviders');
  const primaryIndex = Array.isArray(providers)
    ? Math.max(
        0,
        providers.findIndex((p) => isMapping(p) && p.isPrimary === true),
      )
    : 0;
  const all: [string, unknown][] = [];
  leaves(w.doc, '', all);
  const reportedUnmapped = new Set<string>();
  for (const [key, value] of all) {
    const normal = key.replace(/\[\d+\]/g, '');
    const top = key.split(/[.[]/)[0]!;
    if (SECRET_KEY.test(key) && !/(inviteToken|storeAccessInfo)$/.test(key)) {
      // A number is a secret too (YAML reads an all-digit password as one).
      if ((typeof value === 'string' && value !== '') || typeof value === 'number') {
        w.t.secrets.push({ key, instead: secretInstead(key, primaryIndex, providers) });
        w.t.secretValues.push(String(value));
        continue;
      }
      // An empty secret (fs2od allowed "") has nothing to carry over.
      if (value === '' || value === null) continue;
    }
    if (w.handled.has(normal) || [...w.handled].some((h) => normal.startsWith(`${h}.`))) continue;
    const unmappedKey = UNMAPPED[normal] !== undefined ? normal : UNMAPPED[top] !== undefined ? top : undefined;
    if (unmappedKey) {
      if (!reportedUnmapped.has(unmappedKey)) w.t.unmapped.push({ key: unmappedKey, instead: UNMAPPED[unmappedKey]! });
      reportedUnmapped.add(unmappedKey);
      continue;
    }
    w.t.unmapped.push({ key, instead: 'not an fs2od key s3od knows; not copied' });
  }
}

function scalar(v: unknown): string {
  return dump(v, { lineWidth: -1, flowLevel: 0 }).trimEnd();
}

/** A small YAML writer that keeps key order and puts a comment after a key. */
function renderYaml(root: Raw, comments: Map<string, string>): string {
  const lines = [
    '# s3od configuration translated from an fs2od config.yaml by `s3od config import-fs2od`.',
    '# Secrets are not in this file: set them as environment variables (S3OD_ONEZONE_TOKEN, S3OD_SMTP_PASSWORD, ...).',
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
