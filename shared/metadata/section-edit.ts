/**
 * The text edit of our section (pure: text in, text out). Its callers: the conditional object
 * write (shared/provisioning/access-info-write.ts), used by the saga's `write-back` step and the
 * refresh of a provisioned dataset.
 *
 * Only our section changes; every other byte stays as it was (comments, order, quoting, blank lines,
 * trailing blanks, BOM, line endings). Inside an existing block-style section, only the lines of our
 * keys whose value changes are rewritten; operator keys and comments between them stay in place,
 * and a comment at the end of one of our lines is kept. A flow-style section (`{...}`, e.g. a `.fs2od`
 * file or a JSON file) is edited in place the same way. Missing keys are added; an empty section
 * (`Onedata:`, `~`, `''`, `{}`) is replaced; a missing one is appended at the end of the document.
 *
 * Our keys are the four access keys and, optionally, the replication line (`Replicas`, written by
 * the lifecycle pass once every replica is complete): when `values.replicas` is absent, that key is
 * neither added nor removed nor changed — the result is byte for byte what it was before the key
 * existed — and the proof below checks that it reads back untouched.
 *
 * Every result is re-parsed and compared with the original document plus our values; when that cannot
 * be proven, {@link MetadataWriteError} is thrown and nothing must be written.
 */
import { MetadataWriteError } from './errors.ts';
import { type Analysed, type ParseOptions, analyseMetadataText } from './parse.ts';
import { renderBlockValue, renderFlowValue, renderKey, FORBIDDEN_IN_VALUES } from './scalar.ts';
import { ACCESS_KEYS, SECTION_KEYS, type AccessKey, type MetadataTags, type SectionKey, validateTags } from './section.ts';
import { type LocatedEntry } from './layout.ts';
import { BOM, type Eol, detectEol, lineEndWithBreak, lineStart, trailingComment } from './text.ts';
import { SCALAR_STYLE } from 'js-yaml';
import { type MappingNode, isBlockScalar } from './tree.ts';
import { type MetadataDocument, type MetadataMapping, type MetadataValue, DEFAULT_LIMITS, isMapping } from './types.ts';

/**
 * The values s3od writes: the four access values always, the replication line only when given
 * (absent: the key is left exactly as it is in the file, present or not).
 */
export type AccessInfoValues = Record<AccessKey, string> & { replicas?: string };

/** Our keys this write sets, in canonical order. */
function keysToWrite(values: AccessInfoValues): SectionKey[] {
  return SECTION_KEYS.filter((k) => k !== 'replicas' || values.replicas !== undefined);
}

function valueOf(values: AccessInfoValues, key: SectionKey): string {
  return values[key]!;
}

export interface UpsertOptions {
  /** Limits for reading the file (default: the parser's defaults, without the byte-size limit). */
  limits?: Omit<ParseOptions, 'tags'>;
  /**
   * Accept an empty text (or only comments) as an empty mapping — for a separate `.fs2od` file that
   * exists but is empty (fs2od creates them so). Default false: like `parseMetadata`, an empty
   * trigger file is refused.
   */
  allowEmpty?: boolean;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

const INDENT_STEP = '  ';
const MAX_VALUE_LENGTH = 16 * 1024;

/**
 * Insert or update our section in `text` and return the new text — `text` itself (same string) when
 * the file already holds these values, so the caller can skip the write.
 *
 * @throws MetadataWriteError `INVALID_INPUT` (the text is not an acceptable metadata file, see
 *   `metadataError`; an empty text only with `allowEmpty`), `INVALID_VALUE`, `INVALID_TAGS`,
 *   `UNSUPPORTED_LAYOUT`, `VERIFY_FAILED`.
 */
export function upsertAccessInfo(text: string, tags: MetadataTags, values: AccessInfoValues, options: UpsertOptions = {}): string {
  checkTags(tags);
  checkValues(values);
  const parseOptions: ParseOptions = { ...DEFAULT_LIMITS, maxBytes: Infinity, ...options.limits, tags };
  const analysed = analyseMetadataText(text, parseOptions, options.allowEmpty === true);
  if (!analysed.ok) {
    throw new MetadataWriteError('INVALID_INPUT', `the metadata file cannot be updated: ${analysed.error.message}`, {
      metadataError: analysed.error,
    });
  }
  const eol = detectEol(text);
  const edits = planEdits(text, analysed, tags, values, eol);
  if (edits.length === 0) return text;
  const result = applyEdits(text, edits);
  // The byte limit is the operator's: our section may take an accepted file past it. Otherwise a
  // file just under the limit would be refused here, after its Onedata objects exist. (The node
  // and text bounds do not count our entries at all, see work.ts.)
  const grown = Buffer.byteLength(result, 'utf8') - Buffer.byteLength(text, 'utf8');
  const limit = parseOptions.maxBytes;
  const verifyOptions = grown > 0 && limit !== undefined && Number.isFinite(limit) ? { ...parseOptions, maxBytes: limit + grown } : parseOptions;
  verify(text, result, analysed.doc, tags, values, edits, verifyOptions);
  return result;
}

/**
 * The content of a fresh separate access-info file (fs2od's `.fs2od` with `storeAccessInfo`).
 * To update an existing one (which may hold `DeniedProviders`, `LastProgramRun`, ...), use
 * {@link upsertAccessInfo} on its text.
 */
export function renderAccessInfoFile(tags: MetadataTags, values: AccessInfoValues, eol: Eol = '\n'): string {
  checkTags(tags);
  checkValues(values);
  const text = blockSection('', renderKey(tags.onedata), '', tags, values, eol);
  verify('', text, {}, tags, values, [{ start: 0, end: 0, text }], { ...DEFAULT_LIMITS, maxBytes: Infinity, tags });
  return text;
}

function checkTags(tags: MetadataTags): void {
  try {
    validateTags(tags);
  } catch (e) {
    throw new MetadataWriteError('INVALID_TAGS', (e as Error).message, { cause: e });
  }
}

function checkValues(values: AccessInfoValues): void {
  const optional: readonly SectionKey[] = values?.replicas === undefined ? [] : ['replicas'];
  for (const key of [...ACCESS_KEYS, ...optional]) {
    const v: unknown = values?.[key];
    if (typeof v !== 'string') throw new MetadataWriteError('INVALID_VALUE', `access info "${key}" must be a string`);
    if (FORBIDDEN_IN_VALUES.test(v)) {
      throw new MetadataWriteError('INVALID_VALUE', `access info "${key}" contains a line break or control character`);
    }
    if (v.length > MAX_VALUE_LENGTH) {
      throw new MetadataWriteError('INVALID_VALUE', `access info "${key}" is longer than ${MAX_VALUE_LENGTH} characters`);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Planning

function planEdits(text: string, analysed: Analysed, tags: MetadataTags, values: AccessInfoValues, eol: Eol): Edit[] {
  const { located, doc } = analysed;
  const { root, section } = located;

  // No root (empty file) or a block root without our section: append a block section.
  if (!root || (!root.flow && !section)) {
    return [appendLines(text, located.appendAt, blockSection(located.rootIndent, renderKey(tags.onedata), '', tags, values, eol), eol)];
  }

  const json = root.flow && isJsonStyle(root);
  if (!section) {
    // Flow (or JSON) root: add `, Onedata: {...}` after the last entry.
    const last = root.entries.at(-1);
    const at = last ? entryEnd(last, text) : root.contentStart + 1;
    const sep = last ? ', ' : '';
    return [{ start: at, end: at, text: `${sep}${renderKey(tags.onedata, json)}: ${flowSection(tags, values, json)}` }];
  }

  const value = section.value;
  if (located.sectionEmpty) {
    if (root.flow) {
      return [replaceFlowValue(section, flowSection(tags, values, json))];
    }
    // Block root: rewrite the section's lines as a fresh block section, keeping a trailing comment.
    const lastChar = value.kind === 'scalar' && value.empty ? section.colon : Math.max(section.colon, value.end - 1);
    const end = lineEndWithBreak(text, lastChar);
    const comment = trailingComment(text, lastChar + 1);
    const keyText = rawKey(text, section) ?? renderKey(tags.onedata);
    let lines = blockSection(section.indent, keyText, comment, tags, values, eol);
    if (!endsWithBreak(text, end)) lines = lines.slice(0, -eol.length);
    return [{ start: section.lineStart, end, text: lines }];
  }

  if (value.kind !== 'mapping') {
    throw new MetadataWriteError('UNSUPPORTED_LAYOUT', `the "${tags.onedata}" section is not a mapping`);
  }
  return value.flow ? planFlowSection(text, value, located.ours, doc, tags, values) : planBlockSection(text, value, located.ours, doc, tags, values, eol);
}

function planBlockSection(
  text: string,
  mapping: MappingNode,
  ours: Partial<Record<SectionKey, LocatedEntry>>,
  doc: MetadataDocument,
  tags: MetadataTags,
  values: AccessInfoValues,
  eol: Eol,
): Edit[] {
  const current = sectionOf(doc, tags);
  const first = mapping.entries[0]!;
  const childIndent = /^[ \t]*/.exec(text.slice(lineStart(text, first.key.start), first.key.start))![0];
  const edits: Edit[] = [];
  const sectionEnd = lineEndWithBreak(text, mapping.end - 1);
  let tail = '';

  for (const name of keysToWrite(values)) {
    const entry = ours[name];
    const wanted = valueOf(values, name);
    const line = (keyText: string, comment: string) => `${keyText}: ${renderBlockValue(wanted)}${comment}`;
    if (entry) {
      if (current[tags[name]] === wanted) continue;
      const v = entry.value;
      const lastChar = v.kind === 'scalar' && v.empty ? entry.colon : Math.max(entry.colon, v.end - 1);
      const end = lineEndWithBreak(text, lastChar);
      const singleLine = !text.slice(entry.lineStart, lastChar + 1).includes('\n');
      const keepComment = singleLine && !(v.kind === 'scalar' && isBlockScalar(v));
      const comment = keepComment ? trailingComment(text, lastChar + 1) : '';
      const keyText = rawKey(text, entry) ?? renderKey(tags[name]);
      const brk = endsWithBreak(text, end) ? eol : '';
      edits.push({ start: entry.lineStart, end, text: `${entry.indent}${line(keyText, comment)}${brk}` });
      continue;
    }
    // Missing: put it before the next of our keys that exists (keeps our canonical order), else
    // after the section's last line.
    const next = SECTION_KEYS.slice(SECTION_KEYS.indexOf(name) + 1)
      .map((k) => ours[k])
      .find((e) => e !== undefined);
    const newLine = `${childIndent}${line(renderKey(tags[name]), '')}${eol}`;
    if (next) edits.push({ start: next.lineStart, end: next.lineStart, text: newLine });
    else tail += newLine;
  }
  if (tail !== '') edits.push(appendLines(text, sectionEnd, tail, eol));
  return edits;
}

function planFlowSection(
  text: string,
  mapping: MappingNode,
  ours: Partial<Record<SectionKey, LocatedEntry>>,
  doc: MetadataDocument,
  tags: MetadataTags,
  values: AccessInfoValues,
): Edit[] {
  const current = sectionOf(doc, tags);
  const json = isJsonStyle(mapping);
  const edits: Edit[] = [];
  const missing: string[] = [];
  for (const name of keysToWrite(values)) {
    const entry = ours[name];
    const wanted = valueOf(values, name);
    if (!entry) {
      missing.push(`${renderKey(tags[name], json)}: ${renderFlowValue(wanted)}`);
      continue;
    }
    if (current[tags[name]] === wanted) continue;
    edits.push(replaceFlowValue(entry, renderFlowValue(wanted)));
  }
  if (missing.length > 0) {
    const last = mapping.entries.at(-1);
    const at = last ? entryEnd(last, text) : mapping.contentStart + 1;
    edits.push({ start: at, end: at, text: (last ? ', ' : '') + missing.join(', ') });
  }
  return edits;
}

// ---------------------------------------------------------------------------------------------------
// Rendering helpers

function blockSection(indent: string, keyText: string, headerComment: string, tags: MetadataTags, values: AccessInfoValues, eol: Eol): string {
  const child = indent + INDENT_STEP;
  const lines = [`${indent}${keyText}:${headerComment}`];
  for (const name of keysToWrite(values)) lines.push(`${child}${renderKey(tags[name])}: ${renderBlockValue(valueOf(values, name))}`);
  return lines.map((l) => l + eol).join('');
}

function flowSection(tags: MetadataTags, values: AccessInfoValues, json: boolean): string {
  return `{${keysToWrite(values)
    .map((k) => `${renderKey(tags[k], json)}: ${renderFlowValue(valueOf(values, k))}`)
    .join(', ')}}`;
}

/** Lines inserted at `at`; when that is the end of a file without a final line break, add one first. */
function appendLines(text: string, at: number, lines: string, eol: Eol): Edit {
  const needsBreak = at === text.length && text.length > 0 && text !== BOM && !text.endsWith('\n');
  return { start: at, end: at, text: (needsBreak ? eol : '') + lines };
}

/** A JSON-looking mapping: every key double-quoted (so an empty `{}` counts too). */
function isJsonStyle(mapping: MappingNode): boolean {
  return mapping.entries.every(({ key }) => key.kind === 'scalar' && key.style === SCALAR_STYLE.DOUBLE_QUOTED);
}

/** Replace the value of a flow entry (or add one after a bare key / `key:`). */
function replaceFlowValue(entry: LocatedEntry, rendered: string): Edit {
  const v = entry.value;
  if (v.kind === 'scalar' && v.empty) {
    const start = entry.key.end;
    const end = entry.colon >= 0 ? entry.colon + 1 : entry.key.end;
    return { start, end, text: `: ${rendered}` };
  }
  return { start: v.start, end: v.end, text: rendered };
}

function entryEnd(entry: { key: { end: number }; value: { end: number } }, text: string): number {
  let end = Math.max(entry.key.end, entry.value.end);
  // `{a: }`: the colon is after the key but the empty value has no text.
  const colon = /^[ \t]*:/.exec(text.slice(end));
  if (colon && entry.value.end <= entry.key.end) end += colon[0].length;
  return end;
}

/** The key as the operator wrote it, when it fits on one line. */
function rawKey(text: string, entry: LocatedEntry): string | undefined {
  const raw = text.slice(entry.key.start, entry.key.end);
  return raw.includes('\n') || raw.includes('\r') || raw === '' ? undefined : raw;
}

function endsWithBreak(text: string, end: number): boolean {
  return end > 0 && text[end - 1] === '\n';
}

function sectionOf(doc: MetadataDocument, tags: MetadataTags): MetadataMapping {
  const s = Object.prototype.hasOwnProperty.call(doc, tags.onedata) ? doc[tags.onedata] : undefined;
  return isMapping(s) ? s : {};
}

// ---------------------------------------------------------------------------------------------------
// Applying and proving

function applyEdits(text: string, edits: readonly Edit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let pos = 0;
  for (const e of sorted) {
    if (e.start < pos) throw new MetadataWriteError('VERIFY_FAILED', 'internal error: overlapping edits');
    out += text.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return out + text.slice(pos);
}

function verify(
  original: string,
  result: string,
  doc: MetadataDocument,
  tags: MetadataTags,
  values: AccessInfoValues,
  edits: readonly Edit[],
  parseOptions: ParseOptions,
): void {
  const fail = (why: string): never => {
    throw new MetadataWriteError('VERIFY_FAILED', `refusing to write the metadata file: ${why}`);
  };
  const first = Math.min(...edits.map((e) => e.start));
  const last = Math.max(...edits.map((e) => e.end));
  if (!result.startsWith(original.slice(0, first)) || !result.endsWith(original.slice(last))) {
    fail('bytes outside our section changed');
  }
  if (result.startsWith(BOM) !== original.startsWith(BOM)) fail('the byte-order mark changed');
  const eol = detectEol(original);
  for (const e of edits) {
    const breaks = e.text.match(/\r?\n/g) ?? [];
    if (original.includes('\n') && breaks.some((b) => b !== eol)) fail('line endings differ from the file');
  }

  const reparsed = analyseMetadataText(result, parseOptions, false);
  if (!reparsed.ok) fail(`the edited file does not parse (${reparsed.error.message})`);
  const expected: MetadataDocument = {};
  for (const key of Object.keys(doc)) defineOwn(expected, key, doc[key]!);
  const section: MetadataMapping = {};
  for (const [k, v] of Object.entries(sectionOf(doc, tags))) defineOwn(section, k, v);
  // Our values as written; a key this write does not name (the replication line without a value)
  // keeps what the original said, so the comparison proves it untouched — or still absent.
  for (const name of keysToWrite(values)) defineOwn(section, tags[name], valueOf(values, name));
  defineOwn(expected, tags.onedata, section);
  if (!reparsed.ok || !deepEqual(reparsed.doc, expected)) fail('the edited file does not read back as the original plus our section');
}

function defineOwn(target: MetadataMapping, key: string, value: MetadataValue): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Structural equality; mapping key order is not significant, sequence order is. */
export function deepEqual(a: MetadataValue, b: MetadataValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]!));
  if (isMapping(a)) {
    if (!isMapping(b) || Array.isArray(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k]!, b[k]!));
  }
  return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
}
