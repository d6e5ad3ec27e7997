/**
 * The "dataset ready" mail: sent once the dataset is provisioned, with the access link, the invite
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

export async function sendDatasetReady(deps: MailDeps, config: S3odConfig, holder: LedgerHolder, doc: MetadataDocument | undefined): Promise<DeliveryReport> {
  const s: DatasetState = holder.record;
  const { recipients, skipped } = resolveRecipients(config.messaging.email.to.spaceCreation, doc, wantsCompletionNotice(doc));
  if (skipped.length) deps.log.info('mail recipients skipped (not in the metadata file, or not an address)', { event: 'dataset ready', entries: skipped });
  return deliverEventMail(deps, holder, {
    event: 'dataset ready',
    recipients,
    values: {
      space_name: s.dataset.name,
      space_id: s.outputs.spaceId ?? '',
      space_path: s.dataset.prefix,
      onezone_url: config.restAccess.onezone.host,
      public_url: s.outputs.publicUrl ?? '',
      invite_token: s.outputs.inviteToken ?? '',
      now: humanDate((deps.now ?? (() => new Date()))()),
    },
  });
}
