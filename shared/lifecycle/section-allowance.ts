import type { S3odConfig } from '../config/schema.ts';
import { renderAccessInfoFile } from '../metadata/index.ts';
import { recordedAccessInfoValues } from '../provisioning/access-info-write.ts';
import type { ProvisioningOutputs } from '../state/dataset-state.ts';
import { replicationLine } from './replication-line.ts';

/**
 * The configuration the pass reads (and writes back) a dataset's files with: `limits.metadataMaxBytes`
 * plus the allowance of our own section. The byte limit is the operator's (docs/metadata.md): the
 * write-back may take an accepted file past it by the bytes our section adds, so every later read
 * of that file has to accept what our write made of it — or its lifecycle would fail on every pass.
 */
export function withSectionAllowance(config: S3odConfig, outputs: ProvisioningOutputs): S3odConfig {
  const metadataMaxBytes = config.limits.metadataMaxBytes + sectionAllowance(config, outputs);
  return { ...config, limits: { ...config.limits, metadataMaxBytes } };
}

/**
 * What our section can add to a file: twice its keys as s3od renders them from the recorded values
 * (the replication line included, in CRLF), the margin for the operator's indentation and a flow
 * section. An operator's version larger than the limit plus this is unreadable, as everywhere.
 */
function sectionAllowance(config: S3odConfig, o: ProvisioningOutputs): number {
  try {
    const values = { ...recordedAccessInfoValues(config, o), replicas: replicationLine(o.replicasNum ?? 1, '2000-01-01') };
    return 2 * Buffer.byteLength(renderAccessInfoFile(config.metadataFileTags, values, '\r\n'));
  } catch {
    return 0; // values that cannot be rendered (none recorded yet) were never written into a file
  }
}
