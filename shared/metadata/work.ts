/**
 * How much work a metadata file is: its nodes and the total length of its values and keys, counted
 * on js-yaml's flat event list — before the positioned tree, the document, the write-back proof, the
 * JSON metadata and the share description are built, each of which costs memory per node. A file of
 * empty collections (`[[],[],…]`, `{a: {}, …}`) or of one-character values has about one node per two
 * bytes, so the byte size alone does not bound memory (1 MiB of `[],` took over 400 MB through
 * parse, write-back and publication).
 *
 * Our own section's entries (the section key, its mapping and our keys — the four access keys and
 * the replication line — with their values) are not counted: the write-back adds exactly those, so a file accepted before it is accepted after it,
 * however close to a bound it is.
 */
import { EVENT_ID, getScalarValue, type Event } from 'js-yaml';
import { SECTION_KEYS, type MetadataTags } from './section.ts';

export interface WorkLimits {
  maxNodes: number;
  maxTotalScalarLength: number;
}

/** The first bound crossed, with the source offset of the node that crossed it. */
export type WorkExcess = { bound: 'nodes'; nodes: number; offset: number } | { bound: 'text'; length: number; offset: number };

const isNode = (e: Event): boolean => e.type === EVENT_ID.SCALAR || e.type === EVENT_ID.MAPPING || e.type === EVENT_ID.SEQUENCE || e.type === EVENT_ID.ALIAS;

function offsetOf(e: Event): number {
  if (e.type === EVENT_ID.SCALAR) return Math.max(0, e.valueStart, e.tagStart, e.anchorStart);
  if (e.type === EVENT_ID.MAPPING || e.type === EVENT_ID.SEQUENCE) return e.start;
  if (e.type === EVENT_ID.ALIAS) return Math.max(0, e.anchorStart - 1);
  return 0;
}

function scalarLength(e: Event): number {
  return e.type === EVENT_ID.SCALAR && e.valueStart >= 0 ? e.valueEnd - e.valueStart : 0;
}

/** The first bound the events cross, or undefined when the file is within both. */
export function exceedsWork(src: string, events: readonly Event[], tags: MetadataTags, limits: WorkLimits): WorkExcess | undefined {
  const ours = ownSectionEvents(src, events, tags);
  let nodes = 0;
  let length = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    if (!isNode(e) || ours.has(i)) continue;
    nodes++;
    if (nodes > limits.maxNodes) return { bound: 'nodes', nodes, offset: offsetOf(e) };
    length += scalarLength(e);
    if (length > limits.maxTotalScalarLength) return { bound: 'text', length, offset: offsetOf(e) };
  }
  return undefined;
}

/**
 * Indexes of the events of our own entries in the first document: the top-level section key, its
 * mapping (or empty value), and inside it each of our keys (access keys and replication line) with a
 * single-value value.
 */
function ownSectionEvents(src: string, events: readonly Event[], tags: MetadataTags): Set<number> {
  const ours = new Set<number>();
  const own = new Set(SECTION_KEYS.map((k) => tags[k]));
  // events[0] is the document, events[1] its root; only a mapping root has a section.
  if (events[0]?.type !== EVENT_ID.DOCUMENT || events[1]?.type !== EVENT_ID.MAPPING) return ours;
  let i = 2;
  while (i < events.length && events[i]!.type !== EVENT_ID.POP) {
    const key = i;
    const value = skip(events, key);
    const next = skip(events, value);
    const k = events[key]!;
    if (k.type === EVENT_ID.SCALAR && getScalarValue(src, k) === tags.onedata) {
      ours.add(key);
      const v = events[value]!;
      if (v.type === EVENT_ID.SCALAR) ours.add(value);
      else if (v.type === EVENT_ID.MAPPING) {
        ours.add(value);
        let j = value + 1;
        while (j < events.length && events[j]!.type !== EVENT_ID.POP) {
          const innerValue = skip(events, j);
          const after = skip(events, innerValue);
          const ik = events[j]!;
          if (ik.type === EVENT_ID.SCALAR && events[innerValue]?.type === EVENT_ID.SCALAR && own.has(getScalarValue(src, ik))) {
            ours.add(j);
            ours.add(innerValue);
          }
          j = after;
        }
      }
      return ours; // a second section is a DUPLICATE_KEY, refused later
    }
    i = next;
  }
  return ours;
}

/** Index just past the node starting at `i` (a collection runs to its matching POP). */
function skip(events: readonly Event[], i: number): number {
  const e = events[i];
  if (!e) return i;
  if (e.type !== EVENT_ID.MAPPING && e.type !== EVENT_ID.SEQUENCE) return i + 1;
  let depth = 0;
  for (let j = i; j < events.length; j++) {
    const t = events[j]!.type;
    if (t === EVENT_ID.MAPPING || t === EVENT_ID.SEQUENCE) depth++;
    else if (t === EVENT_ID.POP && --depth === 0) return j + 1;
  }
  return events.length;
}
