/**
 * Typed errors of the metadata module.
 *
 * Reading an operator's file never throws: `parseMetadata` returns a {@link MetadataError} value whose
 * `message` is written for the facility operator (what is wrong, where, what to do). Writing back
 * throws {@link MetadataWriteError}: the caller must then not write anything.
 */

/** Why a metadata file was rejected. Every code is documented in `docs/metadata.md`. */
export const METADATA_ERROR_CODES = [
  'TOO_LARGE',
  'INVALID_UTF8',
  'BINARY_CONTENT',
  'LINE_ENDINGS',
  'YAML_SYNTAX',
  'TAB_INDENTATION',
  'DUPLICATE_KEY',
  'MULTI_DOCUMENT',
  'EMPTY_DOCUMENT',
  'NOT_A_MAPPING',
  'ANCHOR_OR_ALIAS',
  'UNSUPPORTED_TAG',
  'TOO_DEEP',
  'SCALAR_TOO_LARGE',
  'KEY_TOO_LONG',
  'TOO_MANY_NODES',
  'TOO_MUCH_TEXT',
  'COMPLEX_KEY',
  'LOOKALIKE_KEY',
  'BAD_SECTION',
  'UNSUPPORTED_LAYOUT',
] as const;

export type MetadataErrorCode = (typeof METADATA_ERROR_CODES)[number];

/** A rejected metadata file. `line`/`column` are 1-based and present when the problem has a place. */
export interface MetadataError {
  readonly code: MetadataErrorCode;
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

export function metadataError(code: MetadataErrorCode, message: string, where?: { line: number; column: number }): MetadataError {
  if (!where) return { code, message };
  return { code, message: `line ${where.line}, column ${where.column}: ${message}`, line: where.line, column: where.column };
}

/** Why a write-back was refused. */
export type MetadataWriteErrorCode =
  /** The text to edit is not a valid metadata file (see `cause`, a {@link MetadataError}). */
  | 'INVALID_INPUT'
  /** A value to write is not a single-line string without control characters. */
  | 'INVALID_VALUE'
  /** The configured section/key names are unusable (empty, duplicated, control characters). */
  | 'INVALID_TAGS'
  /** The file's structure is valid YAML but not something we can edit surgically. */
  | 'UNSUPPORTED_LAYOUT'
  /** The edited text did not re-parse to the original document plus our section: nothing may be written. */
  | 'VERIFY_FAILED';

export class MetadataWriteError extends Error {
  override readonly name = 'MetadataWriteError';
  readonly code: MetadataWriteErrorCode;
  /** The parse error when `code` is `INVALID_INPUT`. */
  readonly metadataError?: MetadataError;

  constructor(code: MetadataWriteErrorCode, message: string, options?: { metadataError?: MetadataError; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options?.metadataError) this.metadataError = options.metadataError;
  }
}
