import { dump as dumpYaml } from 'js-yaml';
import { STATUS_OBJECT_NAME } from '../dataset/ref.ts';
import type { ObjectStore } from '../storage/objects.ts';
import { REDACTED } from '../metadata/index.ts';
import type { DatasetState } from './dataset-state.ts';

/**
 * The small status object beside a dataset's metadata file (`.s3od-status.yml`): where an
 * operator who only looks at the bucket sees that a dataset failed and why. s3 mode never
 * registers it into the space; posix mode's storage import sees every file in the folder, so it
 * may become readable there (and through the share): it never contains a token, and every text in
 * it is scrubbed of the secrets recorded for the dataset.
 */
export function statusObjectKey(state: Pick<DatasetState, 'dataset'>): string {
  return `${state.dataset.prefix}/${STATUS_OBJECT_NAME}`;
}

export function renderStatusObject(state: DatasetState): string {
  const body: Record<string, unknown> = {
    dataset: state.dataset.prefix,
    status: state.status,
    updated: state.updatedAt,
  };
  if (state.metadataFile) body.metadataFile = state.metadataFile;
  if (state.status === 'failed') {
    body.reason = state.failureReason ?? state.lastError?.message ?? 'unknown';
    body.whatToDo =
      state.lastError?.permanent === false
        ? 'Onedata could not be reached or refused temporarily. Run `s3od retry` for this dataset once it is available again.'
        : 'Fix the problem named above and upload the metadata file again; s3od retries automatically on the new version.';
  }
  if (state.status === 'provisioned') {
    body.space = state.outputs.spaceId;
    if (state.outputs.publicUrl) body.publicUrl = state.outputs.publicUrl;
    else if (state.outputs.embargoedUntil) body.embargoedUntil = state.outputs.embargoedUntil;
    body.provisioned = state.provisionedAt;
    // A later version of the file that failed for good: the dataset is unchanged, but the operator
    // who uploaded it must see why nothing happened (a successful refresh clears it).
    if (state.failureReason) {
      body.newVersionRefused = {
        reason: state.failureReason,
        // Given up after transient errors: the same bytes uploaded again are the same version, which is settled.
        whatToDo:
          state.lastError?.permanent === false
            ? 'The dataset stays as provisioned from the earlier version. Onedata could not be reached: run `s3od retry` for this dataset once it is available again.'
            : 'The dataset stays as provisioned from the earlier version. Fix the problem named above and upload the metadata file again.',
      };
    }
  }
  if (state.lastError && state.status !== 'failed' && state.status !== 'provisioned') body.lastError = state.lastError.message;
  // Where people look (issue #14): replication per provider and the countdown at the facility.
  const rep = state.lifecycle?.replication;
  if (rep) {
    body.replication = {
      replicas: state.outputs.replicasNum,
      qos: rep.qosStatus,
      ...(rep.completeAt ? { complete: rep.completeAt } : {}),
      providers: rep.providers.map((p) => ({ provider: p.url, files: `${p.filesReplicated}/${p.filesToProcess}`, bytesReplicated: p.bytesReplicated })),
    };
  } else if (state.outputs.qosRequirementId) body.replication = { replicas: state.outputs.replicasNum, qos: 'not checked yet' };
  const exp = state.lifecycle?.expiry;
  if (exp) {
    body.expiry = {
      state: exp.state,
      removeAt: exp.removeAt,
      asked: `${exp.source}: ${exp.spec}`,
      ...(exp.waitingFor ? { waitingFor: exp.waitingFor } : {}),
      ...(exp.primaryRevokedAt ? { primarySupportRevoked: exp.primaryRevokedAt } : {}),
      objectsAtFacility: exp.objectsDeletedAt
        ? `deleted ${exp.objectsDeletedAt}`
        : exp.removeFromFilesystem
          ? 'deleted after the revocation'
          : 'kept (removeFromFilesystem is false)',
    };
  }
  const secrets = [state.outputs.inviteToken].filter((t): t is string => typeof t === 'string' && t.length > 0);
  const text = "# Written by s3od; never holds a token. It is rewritten when the dataset's state changes.\n" + dumpYaml(body, { lineWidth: 200 });
  // An error message may quote the operator's file, and the file may hold the token.
  return secrets.reduce((t, secret) => t.split(secret).join(REDACTED), text);
}

/**
 * Writes the status object unless it already says the same (saves a PUT and an event). `fresh`:
 * the caller knows no earlier object can say the same (it shows a time this run recorded, such as
 * `provisioned`), so the read to compare is skipped.
 */
export async function writeStatusObject(objects: ObjectStore, state: DatasetState, opts: { fresh?: boolean } = {}): Promise<void> {
  const key = statusObjectKey(state);
  const text = renderStatusObject(state);
  const cur = opts.fresh ? undefined : await objects.get(key, 64 * 1024).catch(() => undefined);
  const strip = (t: string) => t.replace(/^updated: .*$/m, '');
  if (cur && strip(cur.body.toString('utf8')) === strip(text)) return;
  await objects.put(key, text, {}, 'text/yaml; charset=utf-8');
}
