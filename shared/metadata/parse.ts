/**
 * Reading an operator's metadata file, safely.
 *
 * Never throws on bad input (only on bad configuration: limits or tags, `TypeError`): every problem becomes a {@link MetadataError} with a code and a message
 * an operator can act on. Checks, in order: size, encoding, control characters, line endings, YAML
 * syntax (js-yaml event parser, nesting bounded while parsing), the work the file is (nodes and total
 * text, counted on the events before anything bigger is built), single document, mapping root,
 * no anchors/aliases (an alias bomb never expands: aliases are refused before anything is built),
 * explicit tags, scalar and key sizes, duplicate keys, look-alike section names, our section's shape,
 * and finally that the file's layout is one the surgical writer can edit.
 */
import { YAMLException, constructFromEvents, parseEvents, type Event } from 'js-yaml';
import { type MetadataError, type MetadataErrorCode, metadataError } from './errors.ts';
import { isLookalike } from './confusables.ts';
import { LayoutError, type Located, locateSection } from './layout.ts';
import { ALLOWED_EXPLICIT_TAGS, METADATA_SCHEMA } from './schema.ts';
import { ACCESS_KEYS, DEFAULT_TAGS, type MetadataTags, validateTags } from './section.ts';
import { BOM, type Eol, detectEol, positionOf } from './text.ts';
import { type DocumentNode, TreeError, type YamlNode, buildTree, walk } from './tree.ts';
import { type MetadataDocument, type MetadataLimits, isMapping, isScalar, resolveLimits } from './types.ts';
import { firstInvalidUtf8 } from './utf8.ts';
import { type WorkExcess, exceedsWork } from './work.ts';

export interface ParseOptions extends Partial<MetadataLimits> {
  /** Section and key names (to check an existing section). Default {@link DEFAULT_TAGS}. */
  tags?: MetadataTags;
}

export interface ParsedMetadata {
  ok: true;
  doc: MetadataDocument;
  /** The decoded file, BOM included (as U+FEFF) when present: encoding it gives back the same bytes. */
  text: string;
  bom: boolean;
  eol: Eol;
}

export type ParseResult = ParsedMetadata | { ok: false; error: MetadataError };

/** Parse a metadata file's bytes. */
export function parseMetadata(bytes: Uint8Array, options: ParseOptions = {}): ParseResult {
  const limits = resolveLimits(options);
  if (bytes.length > limits.maxBytes) {
    return fail(
      'TOO_LARGE',
      `the file is ${bytes.length} bytes, more than the limit of ${limits.maxBytes} bytes. ` +
        'Metadata files should hold descriptive metadata only; move large content to a separate file in the dataset.',
    );
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    return fail('INVALID_UTF8', 'the file is saved as UTF-16. Save it as UTF-8 (with or without BOM).');
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) {
    return fail(
      'BINARY_CONTENT',
      'the file contains a NUL byte: it looks like a binary file, not a YAML text file. Check that the right file was saved under this name.',
      bytePosition(bytes, nul),
    );
  }
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    return fail(
      'INVALID_UTF8',
      `the file is not valid UTF-8 (byte 0x${bytes[bad]!.toString(16).padStart(2, '0')} at offset ${bad}). ` +
        'Save it as UTF-8; files saved as Latin-1/Windows-1252 with accented letters cause this.',
      bytePosition(bytes, bad),
    );
  }
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  return parseMetadataText(text, { ...options, maxBytes: Infinity });
}

/** Parse already-decoded text (a leading U+FEFF is treated as a BOM). Same checks as {@link parseMetadata}. */
export function parseMetadataText(text: string, options: ParseOptions = {}): ParseResult {
  const analysed = analyseMetadataText(text, options, false);
  if (!analysed.ok) return analysed;
  return { ok: true, doc: analysed.doc, text, bom: text.startsWith(BOM), eol: detectEol(text) };
}

/** @internal Everything the writer needs besides the document. */
export interface Analysed {
  ok: true;
  doc: MetadataDocument;
  located: Located;
}

/**
 * @internal Full analysis. `allowEmpty` accepts an empty document (an empty `.fs2od` file) as `{}`.
 */
export function analyseMetadataText(text: string, options: ParseOptions, allowEmpty: boolean): Analysed | { ok: false; error: MetadataError } {
  const limits = resolveLimits(options);
  const tags = validateTags(options.tags ?? DEFAULT_TAGS);
  const at = (offset: number) => positionOf(text, offset);

  if (limits.maxBytes !== Infinity) {
    const size = Buffer.byteLength(text, 'utf8');
    if (size > limits.maxBytes) {
      return fail('TOO_LARGE', `the file is ${size} bytes, more than the limit of ${limits.maxBytes} bytes.`);
    }
  }

  const control = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|(?!^)\uFEFF/.exec(text);
  if (control) {
    const code = control[0].charCodeAt(0);
    const what =
      code === 0xfeff
        ? 'a byte-order mark (U+FEFF) after the start of the file'
        : `the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    return fail(
      'BINARY_CONTENT',
      `the file contains ${what}, which YAML does not allow. Remove it (it is invisible in most editors; it often comes from copy-paste or from joining files).`,
      at(control.index),
    );
  }
  const cr = /\r(?!\n)/.exec(text);
  if (cr) {
    return fail(
      'LINE_ENDINGS',
      'the file uses a carriage return (CR) without a line feed as a line break. Save it with LF (Unix) or CRLF (Windows) line endings.',
      at(cr.index),
    );
  }

  let events: Event[];
  let docs: DocumentNode[];
  try {
    // js-yaml stops as soon as nesting reaches its maxDepth, before building anything; ours is the
    // deepest accepted level, hence + 1.
    events = parseEvents(text, { maxDepth: limits.maxDepth + 1 });
  } catch (e) {
    return yamlFailure(text, e, limits);
  }
  // Before anything else is built from the events: every later stage costs memory per node.
  const excess = exceedsWork(text, events, tags, limits);
  if (excess) return workFailure(text, excess, limits);
  try {
    docs = buildTree(text, events);
  } catch (e) {
    return yamlFailure(text, e, limits);
  }

  if (docs.length > 1) {
    return fail(
      'MULTI_DOCUMENT',
      'the file holds more than one YAML document (a second "---" separator, or content after "..."). Keep a single document per metadata file.',
      secondDocumentPosition(text, docs),
    );
  }
  const doc = docs[0] ?? null;
  const root = doc?.root ?? null;
  const rootIsEmpty = !root || (root.kind === 'scalar' && root.empty);
  if (rootIsEmpty && !allowEmpty) {
    return fail('EMPTY_DOCUMENT', 'the file is empty (or holds only comments). Write the dataset metadata as "Key: value" lines.');
  }
  if (root && !rootIsEmpty && root.kind !== 'mapping') {
    const what = root.kind === 'sequence' ? 'a list' : root.kind === 'scalar' ? 'a single value' : 'an alias';
    return fail('NOT_A_MAPPING', `the file holds ${what}, but a metadata file must be a mapping of "Key: value" lines at the top level.`, at(root.start));
  }

  if (root) {
    const problem = checkNodes(text, root, limits);
    if (problem) return problem;
  }

  let doc0: unknown;
  try {
    doc0 = rootIsEmpty ? {} : constructFromEvents(events, { source: text, schema: METADATA_SCHEMA, maxAliases: 0 })[0];
  } catch (e) {
    return yamlFailure(text, e, limits);
  }
  if (!isMapping(doc0)) {
    return fail('NOT_A_MAPPING', 'a metadata file must be a mapping of "Key: value" lines at the top level.');
  }
  const value = doc0 as MetadataDocument;

  const sectionProblem = checkSection(text, value, root, tags);
  if (sectionProblem) return sectionProblem;

  let located: Located;
  try {
    located = locateSection(text, doc, tags);
  } catch (e) {
    if (e instanceof LayoutError) {
      return fail(
        'UNSUPPORTED_LAYOUT',
        `${e.message}. The file is valid YAML, but s3od can only update files whose top-level keys each start their own line (or a single {...} mapping); reformat this part of the file.`,
        at(e.position),
      );
    }
    throw e;
  }
  return { ok: true, doc: value, located };
}

function workFailure(text: string, excess: WorkExcess, limits: MetadataLimits): { ok: false; error: MetadataError } {
  const where = positionOf(text, excess.offset);
  if (excess.bound === 'nodes') {
    return fail(
      'TOO_MANY_NODES',
      `the file has more than ${limits.maxNodes} entries (keys, values, lists and mappings counted together; this is where the limit is passed). ` +
        'Metadata files should hold descriptive metadata only; move long lists and tables to a separate file in the dataset.',
      where,
    );
  }
  return fail(
    'TOO_MUCH_TEXT',
    `the keys and values of the file add up to more than ${limits.maxTotalScalarLength} characters (this is where the limit is passed). ` +
      'Metadata files should hold descriptive metadata only; move long texts to a separate file in the dataset.',
    where,
  );
}

function fail(code: MetadataErrorCode, message: string, where?: { line: number; column: number }): { ok: false; error: MetadataError } {
  return { ok: false, error: metadataError(code, message, where) };
}

function secondDocumentPosition(text: string, docs: DocumentNode[]): { line: number; column: number } | undefined {
  const second = docs[1]!.root;
  if (second && !(second.kind === 'scalar' && second.empty)) return positionOf(text, second.start);
  const marker = /^---(?=[ \t\r\n]|$)/gm;
  marker.lastIndex = docs[0]!.root?.end ?? 0;
  if (!docs[0]!.root && docs[0]!.explicitStart) {
    marker.exec(text); // the first document's own marker
  }
  const m = marker.exec(text);
  return m ? positionOf(text, m.index) : undefined;
}

function bytePosition(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/** Anchors, aliases, tags, sizes and key shapes, in document order; the first problem wins. */
function checkNodes(text: string, root: YamlNode, limits: MetadataLimits): { ok: false; error: MetadataError } | undefined {
  let problem: { ok: false; error: MetadataError } | undefined;
  const at = (offset: number) => positionOf(text, offset);
  walk(root, (node, { isKey }) => {
    if (problem) return;
    if (node.kind === 'alias' || node.anchor) {
      problem = fail(
        'ANCHOR_OR_ALIAS',
        'the file uses a YAML anchor (&name) or alias (*name). s3od does not expand them (an alias can multiply the data without limit); write the values out in full.',
        at(node.kind === 'alias' ? node.start : node.anchor!.start),
      );
      return;
    }
    if (node.tag && !ALLOWED_EXPLICIT_TAGS.has(node.tag.text)) {
      problem = fail(
        'UNSUPPORTED_TAG',
        `the file uses the explicit YAML tag ${node.tag.text}. Remove it and write the value as plain text (quote it if it must stay text).`,
        at(node.tag.start),
      );
      return;
    }
    if (isKey && node.kind !== 'scalar') {
      problem = fail('COMPLEX_KEY', 'a key is a list or mapping ("? [..]" syntax). Keys must be plain text.', at(node.start));
      return;
    }
    if (node.kind !== 'scalar') return;
    if (isKey && node.value.length > limits.maxKeyLength) {
      problem = fail(
        'KEY_TOO_LONG',
        `a key is ${node.value.length} characters long, more than the limit of ${limits.maxKeyLength}. Use a short key and put long text in the value.`,
        at(node.start),
      );
      return;
    }
    if (node.sourceLength > limits.maxScalarLength) {
      problem = fail(
        'SCALAR_TOO_LARGE',
        `a single value is ${node.sourceLength} characters long, more than the limit of ${limits.maxScalarLength}. Move large content to a separate file in the dataset.`,
        at(node.start),
      );
    }
  });
  return problem;
}

function findEntry(root: YamlNode | null, key: string): { key: YamlNode; value: YamlNode } | undefined {
  if (!root || root.kind !== 'mapping') return undefined;
  return root.entries.find((e) => e.key.kind === 'scalar' && e.key.value === key);
}

/** Look-alike names, and the shape of an existing section. */
function checkSection(text: string, doc: MetadataDocument, root: YamlNode | null, tags: MetadataTags): { ok: false; error: MetadataError } | undefined {
  const at = (offset: number) => positionOf(text, offset);
  const sectionName = tags.onedata;

  if (root && root.kind === 'mapping') {
    for (const { key } of root.entries) {
      if (key.kind === 'scalar' && isLookalike(key.value, sectionName)) {
        return fail(
          'LOOKALIKE_KEY',
          `the key ${JSON.stringify(key.value)} looks like "${sectionName}" but is not spelled the same (different letters, case or invisible characters). ` +
            `s3od writes its own "${sectionName}" section; rename or remove this key so the two cannot be confused.`,
          at(key.start),
        );
      }
    }
  }

  if (!Object.prototype.hasOwnProperty.call(doc, sectionName)) return undefined;
  const section = doc[sectionName];
  const entry = findEntry(root, sectionName);
  const where = entry ? at(entry.value.start) : undefined;
  if (section === null || section === '') return undefined;
  if (!isMapping(section)) {
    return fail(
      'BAD_SECTION',
      `the "${sectionName}" key is reserved for the access information s3od writes, and must be a mapping (or empty), ` +
        `but here it is ${Array.isArray(section) ? 'a list' : 'a single value'}. Remove it or rename it; s3od will then write it.`,
      where,
    );
  }
  for (const { key } of entry && entry.value.kind === 'mapping' ? entry.value.entries : []) {
    if (key.kind !== 'scalar') continue;
    for (const name of ACCESS_KEYS) {
      if (isLookalike(key.value, tags[name])) {
        return fail(
          'LOOKALIKE_KEY',
          `in the "${sectionName}" section, the key ${JSON.stringify(key.value)} looks like "${tags[name]}" but is not spelled the same. Rename or remove it.`,
          at(key.start),
        );
      }
    }
  }
  for (const name of ACCESS_KEYS) {
    const keyName = tags[name];
    if (!Object.prototype.hasOwnProperty.call(section, keyName)) continue;
    if (!isScalar(section[keyName])) {
      const node = entry && entry.value.kind === 'mapping' ? findEntry(entry.value, keyName) : undefined;
      return fail(
        'BAD_SECTION',
        `in the "${sectionName}" section, "${keyName}" must be a single value, not a list or mapping. Remove the key; s3od will write it.`,
        node ? at(node.value.start) : where,
      );
    }
  }
  return undefined;
}

const TAB_REASON = /tab/i;

function yamlFailure(text: string, e: unknown, limits: MetadataLimits): { ok: false; error: MetadataError } {
  if (e instanceof TreeError) {
    return fail('UNSUPPORTED_LAYOUT', `s3od could not follow the structure here (${e.message}).`, positionOf(text, e.position));
  }
  if (!(e instanceof YAMLException)) throw e;
  const where = e.mark ? { line: e.mark.line + 1, column: e.mark.column + 1 } : undefined;
  const code = classify(e.reason, text, e.mark?.position);
  return fail(code, yamlMessage(code, e.reason, limits), where);
}

function yamlMessage(code: MetadataErrorCode, reason: string, limits: MetadataLimits): string {
  switch (code) {
    case 'TAB_INDENTATION':
      return 'a line is indented with a tab character. YAML indentation must use spaces only; replace the tabs with spaces.';
    case 'DUPLICATE_KEY':
      return 'a key appears twice in the same mapping. Keep only one of them (YAML does not say which one wins).';
    case 'TOO_DEEP':
      return `the data is nested more than ${limits.maxDepth} levels deep. Flatten the structure.`;
    case 'UNSUPPORTED_TAG':
      return `the file uses a YAML tag s3od does not accept (${reason}). Remove the tag and write the value as text.`;
    case 'COMPLEX_KEY':
      return 'a key is a list or mapping. Keys must be plain text.';
    case 'ANCHOR_OR_ALIAS':
      return 'the file uses YAML aliases (*name); write the values out in full.';
    case 'BINARY_CONTENT':
      return 'the file contains characters YAML does not allow (control characters).';
    default:
      return `the file is not valid YAML: ${reason}. Check the indentation, the colons and the quoting on this line and the one before it.`;
  }
}

function classify(reason: string, text: string, position: number | undefined): MetadataErrorCode {
  if (/duplicated mapping key/.test(reason)) return 'DUPLICATE_KEY';
  if (/maxDepth/.test(reason)) return 'TOO_DEEP';
  if (/unknown (scalar |sequence |mapping )?tag|cannot resolve a node|tag handle|unknown tag/.test(reason)) return 'UNSUPPORTED_TAG';
  if (/complex keys/.test(reason)) return 'COMPLEX_KEY';
  if (/alias/.test(reason)) return 'ANCHOR_OR_ALIAS';
  if (/non-printable/.test(reason)) return 'BINARY_CONTENT';
  if (TAB_REASON.test(reason)) return 'TAB_INDENTATION';
  // Other errors caused by a tab in the indentation of the line at fault (or the line before it).
  if (position !== undefined) {
    const lineBegin = text.lastIndexOf('\n', position - 1) + 1;
    const prevBegin = lineBegin > 0 ? text.lastIndexOf('\n', lineBegin - 2) + 1 : lineBegin;
    for (const begin of [lineBegin, prevBegin]) {
      if (/^[ ]*\t/.test(text.slice(begin, begin + 256))) return 'TAB_INDENTATION';
    }
  }
  return 'YAML_SYNTAX';
}
