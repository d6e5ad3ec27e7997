/**
 * The lifecycle pass's notifications hook (docs/lifecycle.md) turned into mail: "expiry
 * scheduled", each "reminder due" (fs2od's `timeBeforeAction`) and "expired", to the
 * `messaging.email.to.space_deletion` recipients. The pass calls it under the dataset's lease and
 * hands that lease over, so the ledger's exactly-once holds as for the ready mail. "expiry
 * cancelled" is not mailed (nothing changes for the recipient).
 *
 * Each occurrence is keyed by the removal time (and a reminder by its offset too): a repeated
 * pass sends nothing twice, and a new removal date is a new occurrence that is mailed again.
 */
import type { S3odConfig } from '../config/schema.ts';
import type { LifecycleEvent } from '../lifecycle/lifecycle-pass.ts';
import { withSectionAllowance } from '../lifecycle/section-allowance.ts';
import { readMetadataFile } from '../metadata/read-file.ts';
import type { ObjectStore } from '../storage/objects.ts';
import { deliverEventMail, type LedgerHolder, type MailDeps } from './deliver.ts';
import { humanDate } from './human-date.ts';
import { occurrenceKey } from './ledger.ts';
import { resolveRecipients } from './recipients.ts';
import type { MailEvent } from './templates.ts';

const MAILED: Partial<Record<LifecycleEvent['event'], MailEvent>> = {
  'expiry scheduled': 'expiry scheduled',
  'reminder due': 'reminder due',
  expired: 'expired',
};

export function lifecycleMailHook(deps: MailDeps & { config: S3odConfig; objects: ObjectStore }): (e: LifecycleEvent, holder?: LedgerHolder) => Promise<void> {
  return async (e, holder) => {
    const event = MAILED[e.event];
    if (!event || !holder || !e.removeAt) return;
    const s = holder.record;
    // The file's people (metadata: entries) are read from the dataset's own metadata file, named by the record.
    const file = s.metadataFile
      ? await readMetadataFile(deps.objects, withSectionAllowance(deps.config, s.outputs), `${s.dataset.prefix}/${s.metadataFile}`).catch(() => undefined)
      : undefined;
    const { recipients } = resolveRecipients(deps.config.messaging.email.to.spaceDeletion, file?.ok ? file.doc : undefined, true);
    const occurrence = e.event === 'reminder due' ? `${e.removeAt}|${e.before}` : e.removeAt;
    const due = occurrenceKey(event, occurrence);
    // Owed from the write that records the event (the pass's reminder list is saved with it), so a crash loses no mail.
    await holder.save((r) => void (r.mailDue = [...new Set([...(r.mailDue ?? []), due])]));
    const report = await deliverEventMail(deps, holder, {
      event,
      occurrence,
      recipients,
      values: {
        space_name: s.dataset.name,
        space_id: s.outputs.spaceId ?? '',
        space_path: s.dataset.prefix,
        public_url: s.outputs.publicUrl ?? '',
        date: humanDate(new Date(e.removeAt)),
        before: e.before ?? '',
        now: humanDate((deps.now ?? (() => new Date()))()),
      },
    });
    if (report.stillOwed === 0) await holder.save((r) => void (r.mailDue = r.mailDue?.filter((k) => k !== due)));
  };
}

/**
 * The lifecycle events still owed mail (`mailDue`: a failed send, a crash mid-send), as the hook
 * receives them, so a later run under the lease (`s3od retry DATASET`) can finish them.
 */
export function owedLifecycleEvents(record: { dataset: { prefix: string }; mailDue?: string[] }): LifecycleEvent[] {
  const out: LifecycleEvent[] = [];
  for (const key of record.mailDue ?? []) {
    const [event, removeAt, before] = key.split('|');
    if (event !== 'expiry scheduled' && event !== 'reminder due' && event !== 'expired') continue;
    if (!removeAt) continue;
    out.push({ event, dataset: record.dataset.prefix, removeAt, ...(before ? { before } : {}) });
  }
  return out;
}
