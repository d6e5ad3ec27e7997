/**
 * Our section of the metadata file: names (fs2od's `metadataFileTags`), reading it, and removing it.
 *
 * The section holds the invite token. Anything that leaves s3od for other readers — the space's JSON
 * metadata, the share description — must be built from {@link withoutSection}, never from the raw
 * document (fs2od bug 16 published the token in the JSON metadata).
 */
import { isMapping, isScalar, type MetadataDocument, type MetadataValue } from './types.ts';

/** Names of our section and of the keys inside it; configurable like fs2od's `metadataFileTags`. */
export interface MetadataTags {
  /** Top-level key of the section. */
  onedata: string;
  onezone: string;
  space: string;
  inviteToken: string;
  publicURL: string;
  /**
   * The line s3od adds once every replica is complete (`Replicas: 3 copies complete (2026-12-04)`).
   * Not in fs2od; written only by the lifecycle pass, never by the provisioning write-back.
   */
  replicas: string;
}

export const DEFAULT_TAGS: Readonly<MetadataTags> = Object.freeze({
  onedata: 'Onedata',
  onezone: 'Onezone',
  space: 'Space',
  inviteToken: 'InviteToken',
  publicURL: 'PublicURL',
  replicas: 'Replicas',
});

/** The four values the provisioning write-back owns, in the order we write them. */
export const ACCESS_KEYS = ['onezone', 'space', 'inviteToken', 'publicURL'] as const;
export type AccessKey = (typeof ACCESS_KEYS)[number];

/**
 * Every key of the section that is ours: the four access keys, then the replication line. The
 * replication line is optional — a write that does not name it neither adds nor removes it.
 */
export const SECTION_KEYS = [...ACCESS_KEYS, 'replicas'] as const;
export type SectionKey = (typeof SECTION_KEYS)[number];

/** What the section currently says; a missing, null or empty value is absent. */
export type AccessInfo = Partial<Record<SectionKey, string>>;

const TAG_MAX_LENGTH = 256;

/**
 * Check configured names: non-empty, single-line, printable, no surrounding blanks, not `__proto__`,
 * the inner names (the four access keys and the replication line) distinct. Throws `TypeError` (a configuration bug, not bad operator input).
 */
export function validateTags(tags: MetadataTags): MetadataTags {
  const names: Array<[string, unknown]> = [['onedata', tags.onedata], ...SECTION_KEYS.map((k): [string, unknown] => [k, tags[k]])];
  for (const [field, name] of names) {
    if (typeof name !== 'string' || name.length === 0 || name.length > TAG_MAX_LENGTH) {
      throw new TypeError(`metadata tag "${field}" must be a non-empty string of at most ${TAG_MAX_LENGTH} characters`);
    }
    if (/[\u0000-\u001F\u007F-\u009F\u2028\u2029\uFEFF]/.test(name) || name.trim() !== name || name === '__proto__') {
      throw new TypeError(`metadata tag "${field}" (${JSON.stringify(name)}) contains control characters, surrounding blanks or a reserved name`);
    }
  }
  const inner = SECTION_KEYS.map((k) => tags[k]);
  if (new Set(inner).size !== inner.length) throw new TypeError('metadata tags for the section keys must be distinct');
  return tags;
}

function own(doc: object, key: string): MetadataValue | undefined {
  return Object.prototype.hasOwnProperty.call(doc, key) ? (doc as Record<string, MetadataValue>)[key] : undefined;
}

/** Read our values (the replication line too). Numbers and booleans are given as the text they were written as. */
export function readAccessInfo(doc: MetadataDocument, tags: MetadataTags = DEFAULT_TAGS): AccessInfo {
  const section = own(doc, tags.onedata);
  const info: AccessInfo = {};
  if (!isMapping(section)) return info;
  for (const key of SECTION_KEYS) {
    const value = own(section, tags[key]);
    if (value === undefined || value === null || !isScalar(value)) continue;
    const text = String(value);
    if (text !== '') info[key] = text;
  }
  return info;
}

/** Secrets shorter than this are not scrubbed elsewhere in the document (they would mask ordinary words). */
export const MIN_REDACTED_LENGTH = 8;
export const REDACTED = '[redacted]';

/**
 * The document without our section, for the JSON metadata and the share description.
 *
 * Also scrubs the section's invite token (and any `redact` values) wherever else it appears in the
 * document — an operator may have pasted it into a note — in values and keys alike.
 */
export function withoutSection(doc: MetadataDocument, tags: MetadataTags = DEFAULT_TAGS, options: { redact?: readonly string[] } = {}): MetadataDocument {
  const secrets = [readAccessInfo(doc, tags).inviteToken, ...(options.redact ?? [])].filter(
    (s): s is string => typeof s === 'string' && s.length >= MIN_REDACTED_LENGTH,
  );
  const out: MetadataDocument = {};
  for (const key of Object.keys(doc)) {
    if (key === tags.onedata) continue;
    define(out, scrub(key, secrets), scrubValue(doc[key]!, secrets));
  }
  return out;
}

export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

function scrubValue(value: MetadataValue, secrets: readonly string[]): MetadataValue {
  if (typeof value === 'string') return scrub(value, secrets);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, secrets));
  if (isMapping(value)) {
    const out: MetadataDocument = {};
    for (const key of Object.keys(value)) define(out, scrub(key, secrets), scrubValue(value[key]!, secrets));
    return out;
  }
  return value;
}

/** Set an own property even for `__proto__`, keeping the first of two keys that scrub to the same text. */
function define(target: MetadataDocument, key: string, value: MetadataValue): void {
  let k = key;
  for (let n = 2; Object.prototype.hasOwnProperty.call(target, k); n++) k = `${key} (${n})`;
  Object.defineProperty(target, k, { value, enumerable: true, writable: true, configurable: true });
}
