/**
 * The mails to the dataset's people. "dataset ready": sent once the dataset is provisioned, with the access link, the invite
 * token and how to join. The people the metadata file names (`metadata:` recipients) get it only
 * when the file says `NotifyCompletion: true`; fixed addresses of the config (the facility's
 * staff) get it regardless.
 */
import type { S3odConfig } from '../config/schema.ts';
import type { MetadataDocument } from '../metadata/index.ts';
import type { DatasetState } from '../state/dataset-state.ts';
import { deliverEventMail, type DeliveryReport, type LedgerHolder, type MailDeps } from './deliver.ts';
import { humanDate } from './human-date.ts';
import { resolveRecipients, wantsCompletionNotice } from './recipients.ts';
import { recordedAccessInfoValues } from '../provisioning/access-info-write.ts';

export async function sendDatasetReady(deps: MailDeps, config: S3odConfig, holder: LedgerHolder, doc: MetadataDocument | undefined): Promise<DeliveryReport> {
  const s: DatasetState = holder.record;
  return sendToDatasetPeople(deps, config, holder, doc, 'dataset ready', {
    ...commonValues(deps, config, s),
    // While an embargo lasts there is no public link: the mail says until when instead.
    public_url: recordedAccessInfoValues(config, s.outputs).publicURL ?? '',
    invite_token: s.outputs.inviteToken ?? '',
  });
}

/**
 * "dataset published": the embargo ended and the share was created (shared/provisioning/embargo-gate.ts).
 * Same recipients as the ready mail.
 */
export async function sendDatasetPublished(
  deps: MailDeps,
  config: S3odConfig,
  holder: LedgerHolder,
  doc: MetadataDocument | undefined,
): Promise<DeliveryReport> {
  const s: DatasetState = holder.record;
  return sendToDatasetPeople(deps, config, holder, doc, 'dataset published', { ...commonValues(deps, config, s), public_url: s.outputs.publicUrl ?? '' });
}

function commonValues(deps: MailDeps, config: S3odConfig, s: DatasetState): Record<string, string> {
  return {
    space_name: s.dataset.name,
    space_id: s.outputs.spaceId ?? '',
    space_path: s.dataset.prefix,
    onezone_url: config.restAccess.onezone.host,
    now: humanDate((deps.now ?? (() => new Date()))()),
  };
}

async function sendToDatasetPeople(
  deps: MailDeps,
  config: S3odConfig,
  holder: LedgerHolder,
  doc: MetadataDocument | undefined,
  event: 'dataset ready' | 'dataset published',
  values: Record<string, string>,
): Promise<DeliveryReport> {
  const { recipients, skipped } = resolveRecipients(config.messaging.email.to.spaceCreation, doc, wantsCompletionNotice(doc));
  if (skipped.length) deps.log.info('mail recipients skipped (not in the metadata file, or not an address)', { event, entries: skipped });
  return deliverEventMail(deps, holder, { event, recipients, values });
}
