/**
 * Metadata files of the shapes that cost the most memory per byte (found by experiment, see
 * docs/benchmarks.md#metadata-worst-case): many tiny nodes. Each generator makes a file of `units`
 * repetitions; `fit` finds the most units whose file stays within a byte budget.
 */

export interface Shape {
  name: string;
  /** Nodes a file of `units` repetitions has (as `shared/metadata/work.ts` counts them). */
  nodes(units: number): number;
  text(units: number): string;
}

const HEAD = 'Title: worst case\n';
const HEAD_NODES = 3; // root mapping, key, value

/** Unique short keys: base-36 counters. */
const key = (i: number): string => `k${i.toString(36)}`;

export const SHAPES: Shape[] = [
  { name: 'flow-empty-lists', nodes: (n) => HEAD_NODES + 2 + n, text: (n) => `${HEAD}a: [${Array(n).fill('[]').join(',')}]\n` },
  { name: 'flow-empty-mappings', nodes: (n) => HEAD_NODES + 2 + n, text: (n) => `${HEAD}a: [${Array(n).fill('{}').join(',')}]\n` },
  { name: 'flow-one-char-values', nodes: (n) => HEAD_NODES + 2 + n, text: (n) => `${HEAD}a: [${Array(n).fill('0').join(',')}]\n` },
  { name: 'block-empty-items', nodes: (n) => HEAD_NODES + 2 + n, text: (n) => `${HEAD}a:\n${'-\n'.repeat(n)}` },
  {
    name: 'block-keys-empty-mappings',
    nodes: (n) => HEAD_NODES + 2 * n,
    text: (n) => HEAD + Array.from({ length: n }, (_, i) => `${key(i)}: {}\n`).join(''),
  },
  {
    name: 'flow-keys-empty-values',
    nodes: (n) => HEAD_NODES + 2 + 2 * n,
    text: (n) => `${HEAD}a: {${Array.from({ length: n }, (_, i) => `${i.toString(36)}:`).join(',')}}\n`,
  },
  {
    // 62 levels inside the root mapping and `a`'s list: 64, the default depth bound.
    name: 'deep-nesting',
    nodes: (n) => HEAD_NODES + 2 + 62 * n,
    text: (n) =>
      `${HEAD}a: [${Array(n)
        .fill('['.repeat(62) + ']'.repeat(62))
        .join(',')}]\n`,
  },
  {
    // Refused (aliases), but only after the parser's events exist: the cost is that list.
    name: 'anchor-and-aliases',
    nodes: (n) => HEAD_NODES + 5 + n,
    text: (n) => `${HEAD}b: &x [1]\na: [${Array(n).fill('*x').join(',')}]\n`,
  },
];

/** The most repetitions whose file is at most `maxBytes` long (texts are ASCII). */
export function fit(shape: Shape, maxBytes: number): number {
  let lo = 0;
  let hi = 1;
  while (shape.text(hi).length <= maxBytes) hi *= 2;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (shape.text(mid).length <= maxBytes) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** The most repetitions whose file has at most `maxNodes` nodes. */
export function fitNodes(shape: Shape, maxNodes: number): number {
  let n = 0;
  while (shape.nodes(n + 1) <= maxNodes) n++;
  return n;
}
