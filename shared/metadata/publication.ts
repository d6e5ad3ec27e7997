import { createHash } from 'node:crypto';
import { withoutSection, type MetadataTags } from './section.ts';
import { renderShareDescription } from './share-description.ts';
import type { MetadataDocument } from './types.ts';

export interface PublicationInput {
  /** The operator's metadata document as parsed (our section included). */
  doc: MetadataDocument;
  tags: MetadataTags;
  /**
   * Secrets s3od recorded for the dataset (its invite token). Scrubbed even when the file no
   * longer carries our section: an operator who drops the section but keeps a note such as
   * `Access: "join with <token>"` must not publish the token.
   */
  recordedSecrets: readonly (string | undefined)[];
  datasetName: string;
  institutionName: string;
  rootFileId?: string | undefined;
  /** The Onezone the download command must ask (onedata-downloader's default is another one). */
  onezone?: string | undefined;
  includeMetadata: boolean;
}

/** What s3od publishes about a dataset: the space's JSON metadata and the share's description. */
export interface Publication {
  jsonMetadata: MetadataDocument;
  shareDescription: string;
  /** Identifies the published version, so a refresh publishes only when something changed. */
  hash: string;
}

/** The one place that turns a metadata file into what the world may read. */
export function buildPublication(input: PublicationInput): Publication {
  const secrets = input.recordedSecrets.filter((s): s is string => typeof s === 'string' && s.length > 0);
  const jsonMetadata = withoutSection(input.doc, input.tags, { redact: secrets });
  const shareDescription = renderShareDescription({
    datasetName: input.datasetName,
    institutionName: input.institutionName,
    rootFileId: input.rootFileId,
    onezone: input.onezone,
    metadata: jsonMetadata,
    includeMetadata: input.includeMetadata,
    tags: input.tags,
    secrets,
  });
  const hash = createHash('sha256').update(JSON.stringify(jsonMetadata)).digest('hex').slice(0, 16);
  return { jsonMetadata, shareDescription, hash };
}
