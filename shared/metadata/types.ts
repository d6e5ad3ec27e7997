/**
 * The parsed shape of a metadata file.
 *
 * Scalars are kept exactly as written (see `schema.ts`): a string, or a number/boolean/null only when
 * that value prints back to the very same text. There are never `Date` objects.
 */
export type MetadataScalar = string | number | boolean | null;
export type MetadataValue = MetadataScalar | MetadataValue[] | MetadataMapping;
export interface MetadataMapping {
  [key: string]: MetadataValue;
}
/** A whole metadata file: always a mapping at the top level. */
export type MetadataDocument = MetadataMapping;

/** Size and shape limits applied while parsing. */
export interface MetadataLimits {
  /** Largest accepted file, in bytes. */
  maxBytes: number;
  /** Deepest accepted nesting of mappings/sequences. */
  maxDepth: number;
  /** Longest accepted single scalar, in characters of source text. */
  maxScalarLength: number;
  /** Longest accepted mapping key, in characters. */
  maxKeyLength: number;
  /**
   * Most nodes (mappings, lists and values, keys included) accepted in one file. Every later stage
   * (tree, document, write-back proof, JSON, share description) costs memory per node, and a file of
   * empty collections (`[[],[],…]`) has one node per two bytes: this, not the byte size, bounds the
   * work. Our own section's entries do not count, so a write-back never pushes a file over it.
   */
  maxNodes: number;
  /** Most characters of all values and keys together (source text), our own section's entries excluded. */
  maxTotalScalarLength: number;
}

/**
 * Chosen by measurement (`npm run bench -- --only metadata-worst-case`, docs/benchmarks.md): the
 * worst file these allow stays well inside a 256 MB function. The byte limit bounds the parser's
 * event list, built before any other bound can be checked (about 110 bytes of memory per byte of
 * input for the worst shapes); `maxNodes` bounds everything after it.
 */
export const DEFAULT_LIMITS: Readonly<MetadataLimits> = Object.freeze({
  maxBytes: 256 * 1024,
  maxDepth: 64,
  maxScalarLength: 64 * 1024,
  maxKeyLength: 1024,
  maxNodes: 10_000,
  maxTotalScalarLength: 256 * 1024,
});

/** The most a configuration may allow (shared/config): beyond these the worst file leaves a 256 MB function too little. */
export const METADATA_CEILINGS = Object.freeze({
  maxBytes: 512 * 1024,
  maxDepth: 256,
  maxNodes: 30_000,
  maxTotalScalarLength: 512 * 1024,
});

export function isMapping(value: unknown): value is MetadataMapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isScalar(value: unknown): value is MetadataScalar {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** Deepest nesting a caller may configure: the tree is walked recursively. */
export const MAX_CONFIGURABLE_DEPTH = 1000;

/** Merge limits over the defaults and check them; throws `TypeError` on a nonsensical configuration. */
export function resolveLimits(options: Partial<MetadataLimits> = {}): MetadataLimits {
  const limits: MetadataLimits = {
    maxBytes: options.maxBytes ?? DEFAULT_LIMITS.maxBytes,
    maxDepth: options.maxDepth ?? DEFAULT_LIMITS.maxDepth,
    maxScalarLength: options.maxScalarLength ?? DEFAULT_LIMITS.maxScalarLength,
    maxKeyLength: options.maxKeyLength ?? DEFAULT_LIMITS.maxKeyLength,
    maxNodes: options.maxNodes ?? DEFAULT_LIMITS.maxNodes,
    maxTotalScalarLength: options.maxTotalScalarLength ?? DEFAULT_LIMITS.maxTotalScalarLength,
  };
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || Number.isNaN(value) || value < 1) throw new TypeError(`metadata limit ${name} must be a positive number`);
  }
  if (!Number.isInteger(limits.maxDepth) || limits.maxDepth > MAX_CONFIGURABLE_DEPTH) {
    throw new TypeError(`metadata limit maxDepth must be an integer of at most ${MAX_CONFIGURABLE_DEPTH}`);
  }
  return limits;
}
