import type { MetadataFileTags, S3odConfig } from './schema.ts';

/** What `parseMetadata` / `upsertAccessInfo` need from the configuration: the limits and the section names. */
export interface MetadataParseSettings {
  maxBytes: number;
  maxDepth: number;
  maxNodes: number;
  maxTotalScalarLength: number;
  tags: MetadataFileTags;
}

/**
 * The parser options of every place that reads a metadata file (provisioning, write-back, the
 * import freeze, the CLI's adoption), so that all of them apply the same configured bounds.
 */
export function metadataParseSettings(config: Pick<S3odConfig, 'limits' | 'metadataFileTags'>): MetadataParseSettings {
  const l = config.limits;
  return {
    maxBytes: l.metadataMaxBytes,
    maxDepth: l.metadataMaxDepth,
    maxNodes: l.metadataMaxNodes,
    maxTotalScalarLength: l.metadataMaxTotalScalarLength,
    tags: config.metadataFileTags,
  };
}
