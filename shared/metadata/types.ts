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
}

export const DEFAULT_LIMITS: Readonly<MetadataLimits> = Object.freeze({
  maxBytes: 1024 * 1024,
  maxDepth: 64,
  maxScalarLength: 64 * 1024,
  maxKeyLength: 1024,
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
  };
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || Number.isNaN(value) || value < 1) throw new TypeError(`metadata limit ${name} must be a positive number`);
  }
  if (!Number.isInteger(limits.maxDepth) || limits.maxDepth > MAX_CONFIGURABLE_DEPTH) {
    throw new TypeError(`metadata limit maxDepth must be an integer of at most ${MAX_CONFIGURABLE_DEPTH}`);
  }
  return limits;
}
