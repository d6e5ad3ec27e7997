/**
 * A positioned syntax tree built from js-yaml's event stream.
 *
 * js-yaml's `load` gives values without positions and its AST drops them too; `parseEvents` gives
 * source offsets for scalars and collection starts. This module adds the missing ends (closing
 * quotes, flow brackets, block-scalar headers) so the writer can cut the file at exact offsets.
 * Offsets are UTF-16 indexes into the decoded text (a BOM counts as one character).
 */
import { COLLECTION_STYLE, EVENT_ID, SCALAR_STYLE, getScalarValue, type Event, type ScalarStyle } from 'js-yaml';

interface NodeBase {
  /** First character of the node, including a tag or anchor in front of it. */
  start: number;
  /** Just past the last character of the node's own text (closing quote or bracket included). */
  end: number;
  /** Where the node itself starts (after any tag/anchor): first key of a block mapping, `{`, `-`, quote. */
  contentStart: number;
  /** The explicit tag as written (`!!str`), if any. */
  tag?: { text: string; start: number };
  /** The anchor (`&name`) position, if any. */
  anchor?: { start: number };
}

export interface ScalarNode extends NodeBase {
  kind: 'scalar';
  style: ScalarStyle;
  /** No text at all (`key:` with nothing after it). Quoted `''` is not empty. */
  empty: boolean;
  /** The decoded string value (before schema resolution). */
  value: string;
  /** Length of the scalar's source text, used for the size limit. */
  sourceLength: number;
}

export interface MappingNode extends NodeBase {
  kind: 'mapping';
  flow: boolean;
  entries: Array<{ key: YamlNode; value: YamlNode }>;
}

export interface SequenceNode extends NodeBase {
  kind: 'sequence';
  flow: boolean;
  items: YamlNode[];
}

export interface AliasNode extends NodeBase {
  kind: 'alias';
}

export type YamlNode = ScalarNode | MappingNode | SequenceNode | AliasNode;

export interface DocumentNode {
  explicitStart: boolean;
  explicitEnd: boolean;
  root: YamlNode | null;
}

/** Thrown when the event stream does not match what we expect from js-yaml (a bug, not bad input). */
export class TreeError extends Error {
  override readonly name = 'TreeError';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super(message);
  }
}

const QUOTED: ReadonlySet<number> = new Set([SCALAR_STYLE.SINGLE_QUOTED, SCALAR_STYLE.DOUBLE_QUOTED]);
const BLOCK: ReadonlySet<number> = new Set([SCALAR_STYLE.LITERAL_BLOCK, SCALAR_STYLE.FOLDED_BLOCK]);

export function isQuoted(node: ScalarNode): boolean {
  return QUOTED.has(node.style);
}

export function isBlockScalar(node: ScalarNode): boolean {
  return BLOCK.has(node.style);
}

/** Build the positioned tree of every document in the stream. */
export function buildTree(src: string, events: readonly Event[]): DocumentNode[] {
  let i = 0;
  // End of the last node built: where an empty scalar "is", and where bracket scans start.
  let cursor = 0;

  const next = (): Event => {
    const e = events[i++];
    if (!e) throw new TreeError('unexpected end of the event stream', cursor);
    return e;
  };
  const peekIsPop = (): boolean => events[i]?.type === EVENT_ID.POP;

  const decorations = (e: { anchorStart: number; tagStart: number; tagEnd: number }, node: NodeBase): void => {
    if (e.tagStart >= 0) node.tag = { text: src.slice(e.tagStart, e.tagEnd), start: e.tagStart };
    // anchorStart points at the name, after '&'.
    if (e.anchorStart >= 0) node.anchor = { start: e.anchorStart - 1 };
  };
  const decoratedStart = (node: NodeBase): number => Math.min(node.contentStart, node.tag?.start ?? Infinity, node.anchor?.start ?? Infinity);
  const decorationEnd = (e: { anchorEnd: number; tagEnd: number }): number => Math.max(e.anchorEnd, e.tagEnd, -1);

  const node = (): YamlNode => {
    const e = next();
    switch (e.type) {
      case EVENT_ID.SCALAR: {
        const value = getScalarValue(src, e);
        let contentStart: number;
        let end: number;
        let empty = false;
        if (e.valueStart < 0) {
          empty = true;
          contentStart = Math.max(cursor, decorationEnd(e));
          end = contentStart;
        } else if (QUOTED.has(e.style)) {
          contentStart = e.valueStart - 1;
          end = e.valueEnd + 1;
        } else if (BLOCK.has(e.style)) {
          // The header (`|`, `>-`, `|2+`) sits on the line before the content; the content range
          // also covers trailing blank lines, which belong to the file's layout, not to the node.
          const header = src.slice(cursor, e.valueStart).search(/[|>]/);
          if (header < 0) throw new TreeError('block scalar header not found', e.valueStart);
          contentStart = cursor + header;
          const headerEnd = contentStart + /^[|>][0-9+-]*/.exec(src.slice(contentStart))![0].length;
          let last = e.valueEnd;
          // Keep chomping (`|+`, `>+`): the trailing line breaks are the value's, not layout; the
          // node ends after the last of them (before the spaces of a following line), so nothing
          // is ever inserted between a kept value and its line breaks.
          const keep = src.slice(contentStart, headerEnd).includes('+');
          const trailing = keep ? /[ \t]/ : /[ \t\r\n]/;
          while (last > e.valueStart && trailing.test(src[last - 1]!)) last--;
          end = last > e.valueStart ? last : headerEnd;
        } else {
          contentStart = e.valueStart;
          end = e.valueEnd;
        }
        const n: ScalarNode = {
          kind: 'scalar',
          style: e.style,
          empty,
          value,
          sourceLength: e.valueStart < 0 ? 0 : e.valueEnd - e.valueStart,
          start: contentStart,
          end,
          contentStart,
        };
        decorations(e, n);
        n.start = decoratedStart(n);
        cursor = Math.max(cursor, end);
        return n;
      }
      case EVENT_ID.ALIAS: {
        const n: AliasNode = { kind: 'alias', start: e.anchorStart - 1, end: e.anchorEnd, contentStart: e.anchorStart - 1 };
        cursor = Math.max(cursor, e.anchorEnd);
        return n;
      }
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const flow = e.style === COLLECTION_STYLE.FLOW;
        const base: NodeBase = { start: e.start, end: e.start, contentStart: e.start };
        decorations(e, base);
        base.start = decoratedStart(base);
        cursor = Math.max(cursor, e.start + (flow ? 1 : 0));
        let n: MappingNode | SequenceNode;
        if (e.type === EVENT_ID.MAPPING) {
          const entries: MappingNode['entries'] = [];
          while (!peekIsPop()) {
            const key = node();
            const value = node();
            entries.push({ key, value });
          }
          n = { kind: 'mapping', flow, entries, ...base };
        } else {
          const items: YamlNode[] = [];
          while (!peekIsPop()) items.push(node());
          n = { kind: 'sequence', flow, items, ...base };
        }
        next(); // POP
        // A single-pair mapping inside a flow sequence (`[a: b]`) has no braces of its own.
        const bracketed = flow && src[e.start] === (n.kind === 'mapping' ? '{' : '[');
        n.end = bracketed ? closingBracket(src, cursor, n.kind === 'mapping' ? '}' : ']') : cursor;
        cursor = Math.max(cursor, n.end);
        return n;
      }
      default:
        throw new TreeError(`unexpected event ${e.type}`, cursor);
    }
  };

  const docs: DocumentNode[] = [];
  while (i < events.length) {
    const e = next();
    if (e.type !== EVENT_ID.DOCUMENT) throw new TreeError('expected a document event', cursor);
    const root = peekIsPop() ? null : node();
    next(); // POP
    docs.push({ explicitStart: e.explicitStart, explicitEnd: e.explicitEnd, root });
  }
  return docs;
}

/** Offset just past the bracket closing a flow collection whose last child ends at `from`. */
function closingBracket(src: string, from: number, close: '}' | ']'): number {
  for (let p = from; p < src.length; p++) {
    const c = src[p];
    if (c === close) return p + 1;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === ',' || c === ':' || c === '?') continue;
    if (c === '#') {
      const nl = src.indexOf('\n', p);
      if (nl === -1) break;
      p = nl;
      continue;
    }
    throw new TreeError(`unexpected '${c}' before '${close}'`, p);
  }
  throw new TreeError(`'${close}' not found`, from);
}

/** Pre-order walk with the nesting depth (0 = document root). Keys are visited as nodes too. */
export function walk(
  node: YamlNode,
  visit: (node: YamlNode, ctx: { depth: number; isKey: boolean; parent: YamlNode | null }) => void,
  depth = 0,
  isKey = false,
  parent: YamlNode | null = null,
): void {
  visit(node, { depth, isKey, parent });
  if (node.kind === 'mapping') {
    for (const { key, value } of node.entries) {
      walk(key, visit, depth + 1, true, node);
      walk(value, visit, depth + 1, false, node);
    }
  } else if (node.kind === 'sequence') {
    for (const item of node.items) walk(item, visit, depth + 1, false, node);
  }
}
