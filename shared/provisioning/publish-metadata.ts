import type { S3odConfig } from '../config/schema.ts';
import { buildPublication, type Publication } from '../metadata/publication.ts';
import type { MetadataDocument } from '../metadata/types.ts';
import type { OnedataClient } from '../onedata/index.ts';
import type { ProvisioningOutputs } from '../state/dataset-state.ts';

/** What s3od publishes for a dataset from this metadata document, scrubbed of every recorded secret. */
export function datasetPublication(config: S3odConfig, doc: MetadataDocument, outputs: ProvisioningOutputs, datasetName: string): Publication {
  return buildPublication({
    doc,
    tags: config.metadataFileTags,
    recordedSecrets: [outputs.inviteToken],
    datasetName,
    institutionName: config.institutionName,
    // The download command takes the share's own file id (none before the share exists).
    rootFileId: outputs.shareFileId,
    onezone: config.restAccess.onezone.host,
    includeMetadata: config.parseMetadataToShare,
  });
}

/** Where a dataset's metadata is public: the space root's JSON metadata and, once it exists, the share. */
export interface PublishedPlaces {
  rootFileId: string;
  shareId?: string | undefined;
}

/**
 * The one function that publishes a dataset's metadata (the saga's publish-metadata step, the
 * refresh of a provisioned dataset, the freeze): the JSON metadata of the space root (with
 * `importMetadata`) and the share's description (when a share is given). Returns the output to
 * record — the published version's hash, so a refresh publishes again only when it changed; the
 * caller records it (a step output, or the record's update).
 */
export async function publishMetadata(
  ctx: { config: S3odConfig; onedata: Pick<OnedataClient, 'provider'> },
  published: Publication,
  places: PublishedPlaces,
): Promise<Pick<ProvisioningOutputs, 'publishedMetadataHash'>> {
  if (ctx.config.importMetadata) await ctx.onedata.provider.setJsonMetadata(places.rootFileId, published.jsonMetadata);
  if (places.shareId) await ctx.onedata.provider.updateShare(places.shareId, { description: published.shareDescription });
  return { publishedMetadataHash: published.hash };
}
