/**
 * The bodies of the calls to DAREG, built from the dataset's record when they are sent (the
 * record holds everything they name). Pure: no network, no clock.
 */
import type { S3odConfig } from '../config/schema.ts';
import { storageModeFor } from '../storage-modes/index.ts';
import type { DatasetState } from '../state/dataset-state.ts';
import type { DaregAccessBody, DaregDatasetBody, DaregLogBody } from './client.ts';

/** Where the register finds the URLs it links objects by. */
export interface DaregUrls {
  datasetUrl(spaceId: string): string;
  instanceUrl(pk: number): string;
}

/**
 * The dataset's folder as the register shows it: the storage's mount point in posix mode (a
 * filesystem path, as fs2od sent — but the dataset's own, not its parent's), the key prefix in
 * s3 mode.
 */
export function datasetPath(s: DatasetState, config: S3odConfig): string {
  return storageModeFor(config).datasetLocation(config, s.dataset);
}

export function datasetBody(s: DatasetState, config: S3odConfig, urls: DaregUrls): DaregDatasetBody {
  return {
    origin_instance: urls.instanceUrl(config.dareg.originInstancePk),
    name: s.outputs.onedataName ?? s.dataset.name,
    path: datasetPath(s, config),
    space_id: s.outputs.spaceId!,
    invite_token: null,
    public_URL: null,
  };
}

/** What the register shows researchers; `public_URL` stays null while an embargo holds the share back. */
export function accessBody(s: DatasetState): DaregAccessBody {
  return { invite_token: s.outputs.inviteToken ?? null, public_URL: s.outputs.publicUrl ?? null };
}

/** The message of a `log:…` call (fs2od's main steps); never a token. */
export function logMessage(call: string, s: DatasetState, config: S3odConfig): string {
  const o = s.outputs;
  if (call.startsWith('log:support:')) {
    const providerId = call.slice('log:support:'.length);
    const r = o.replicaSupports?.find((p) => p.providerId === providerId);
    return `Space supported by ${r?.url ?? `Oneprovider ${providerId}`} (replica)`;
  }
  switch (call) {
    case 'log:storage':
      return `Storage created: ${o.storageId}`;
    case 'log:support':
      return `Space supported by ${config.restAccess.oneproviders[0]?.host ?? 'the primary Oneprovider'}`;
    case 'log:group':
      return `Group created: ${o.groupId}`;
    case 'log:invite-token':
      return `Invite token created${o.inviteTokenId ? `: ${o.inviteTokenId}` : ''}`;
    case 'log:group-in-space':
      return `Group ${o.groupId} added to space ${o.spaceId}`;
    case 'log:done':
      return 'Processing done';
    default:
      return call;
  }
}

export function logBody(call: string, s: DatasetState, config: S3odConfig, urls: DaregUrls): DaregLogBody {
  return { dataset: urls.datasetUrl(s.outputs.spaceId!), type: 'info', message: logMessage(call, s, config) };
}
