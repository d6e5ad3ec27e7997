/**
 * Where things are in a metadata file: the root mapping, our section, our keys inside it, and where a
 * new section would go. Shared by the parser (so a file we could not edit is rejected *before* any
 * Onedata object is created for it) and by the surgical writer.
 */
import { SECTION_KEYS, type MetadataTags, type SectionKey } from './section.ts';
import { lineStart } from './text.ts';
import { type DocumentNode, type MappingNode, type ScalarNode, type YamlNode, isQuoted } from './tree.ts';

/** A mapping entry with the positions the writer needs. */
export interface LocatedEntry {
  key: ScalarNode;
  value: YamlNode;
  /** Offset of the `:` after the key, or -1 when there is none (`{a, b}`). */
  colon: number;
  /** Whitespace in front of the key on its line (block style only). */
  indent: string;
  /** Offset of the first character of the key's line. */
  lineStart: number;
}

export interface Located {
  /** The root mapping, or null for an empty document (only when editing an empty `.fs2od`). */
  root: MappingNode | null;
  /** Indentation of the root mapping's keys. */
  rootIndent: string;
  /** Where a new block section is inserted when there is none: before `...`, else the end. */
  appendAt: number;
  /** Our section's entry in the root mapping, if present. */
  section?: LocatedEntry;
  /** True when the section's value is null, empty, `''` or `{}`: it is replaced wholesale. */
  sectionEmpty: boolean;
  /** Our keys (the replication line too) inside a section mapping. */
  ours: Partial<Record<SectionKey, LocatedEntry>>;
}

export class LayoutError extends Error {
  override readonly name = 'LayoutError';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

const KEY_PREFIX = /^([ \t]*)(\?[ \t]+)?$/;

function locateEntry(text: string, mapping: MappingNode, key: ScalarNode, value: YamlNode): LocatedEntry {
  const ls = lineStart(text, key.start);
  let indent = '';
  if (!mapping.flow) {
    const prefix = KEY_PREFIX.exec(text.slice(ls, key.start));
    if (!prefix) throw new LayoutError('this key does not start its own line', key.start);
    indent = prefix[1]!;
  }
  let colon = -1;
  for (let p = key.end; p < text.length; p++) {
    const c = text[p];
    if (c === ':') {
      colon = p;
      break;
    }
    if (c !== ' ' && c !== '\t' && c !== '\r' && c !== '\n') break;
  }
  if (colon < 0 && !mapping.flow) throw new LayoutError('cannot find the ":" after this key', key.end);
  return { key, value, colon, indent, lineStart: ls };
}

/** True when a section value means "nothing yet": null, empty, `~`, `''`, `{}`. */
export function isEmptySectionValue(node: YamlNode): boolean {
  if (node.kind === 'mapping') return node.entries.length === 0;
  if (node.kind !== 'scalar') return false;
  if (node.empty || node.value === '') return true;
  return !isQuoted(node) && !node.tag && (node.value === 'null' || node.value === '~');
}

/**
 * Locate the root and our section. Throws {@link LayoutError} for valid YAML we cannot edit
 * precisely; the caller is expected to have rejected non-mapping roots and bad sections already.
 */
export function locateSection(text: string, doc: DocumentNode | null, tags: MetadataTags): Located {
  const rootNode = doc?.root ?? null;
  const root = rootNode && rootNode.kind === 'mapping' ? rootNode : null;
  if (rootNode && !root && !(rootNode.kind === 'scalar' && rootNode.empty)) {
    throw new LayoutError('the document is not a mapping', rootNode.start);
  }

  let rootIndent = '';
  if (root && !root.flow) {
    const ls = lineStart(text, root.contentStart);
    const prefix = text.slice(ls, root.contentStart);
    if (!/^[ \t]*$/.test(prefix)) throw new LayoutError('the first key does not start its own line', root.contentStart);
    rootIndent = prefix;
  }

  let appendAt = text.length;
  if (doc?.explicitEnd) {
    const marker = /^\.\.\.(?=[ \t\r\n]|$)/gm;
    marker.lastIndex = root ? root.end : 0;
    const m = marker.exec(text);
    if (!m) throw new LayoutError('cannot find the document end marker "..."', root?.end ?? 0);
    appendAt = m.index;
  }

  const located: Located = { root, rootIndent, appendAt, sectionEmpty: true, ours: {} };
  if (!root) return located;

  const entry = root.entries.find(({ key }) => key.kind === 'scalar' && key.value === tags.onedata);
  if (!entry) return located;
  const section = locateEntry(text, root, entry.key as ScalarNode, entry.value);
  located.section = section;
  located.sectionEmpty = isEmptySectionValue(section.value);
  if (located.sectionEmpty || section.value.kind !== 'mapping') return located;

  const mapping = section.value;
  for (const name of SECTION_KEYS) {
    const e = mapping.entries.find(({ key }) => key.kind === 'scalar' && key.value === tags[name]);
    if (e) located.ours[name] = locateEntry(text, mapping, e.key as ScalarNode, e.value);
  }
  return located;
}
