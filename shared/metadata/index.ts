/**
 * Metadata files: parsing them safely, reading and removing our section, writing the access
 * information back surgically, and rendering the share description. Pure logic, no I/O.
 */
export { parseMetadata, parseMetadataText } from './parse.ts';
export type { ParseOptions, ParseResult, ParsedMetadata } from './parse.ts';
export { METADATA_ERROR_CODES, MetadataWriteError } from './errors.ts';
export type { MetadataError, MetadataErrorCode, MetadataWriteErrorCode } from './errors.ts';
export { ACCESS_KEYS, DEFAULT_TAGS, REDACTED, SECTION_KEYS, readAccessInfo, validateTags, withoutSection } from './section.ts';
export type { AccessInfo, AccessKey, MetadataTags, SectionKey } from './section.ts';
export { renderAccessInfoFile, upsertAccessInfo } from './section-edit.ts';
export type { AccessInfoValues, UpsertOptions } from './section-edit.ts';
export { DEFAULT_SHARE_TEMPLATE, escapeInline, renderShareDescription } from './share-description.ts';
export type { ShareDescriptionInput } from './share-description.ts';
export { METADATA_SCHEMA } from './schema.ts';
export { DEFAULT_LIMITS } from './types.ts';
export type { MetadataDocument, MetadataLimits, MetadataMapping, MetadataScalar, MetadataValue } from './types.ts';
export type { Eol } from './text.ts';
