import { redactString } from '../log/index.ts';
import { deliverEventMail, type LedgerHolder } from '../notifications/deliver.ts';
import { humanDate } from '../notifications/human-date.ts';
import { resolveRecipients } from '../notifications/recipients.ts';
import type { ProvisioningDeps } from './context.ts';

/**
 * A dataset that failed for good (a permanent error, or given up after the last delivery): mailed
 * to the operators who asked (`messaging.email.to.failure`; nobody by default), once per version
 * of the metadata file — the ledger keys the occurrence by its ETag, so redelivered failures of the
 * same version send nothing more. Under the run's lease; never throws.
 */
export async function notifyFailure(deps: ProvisioningDeps, holder: LedgerHolder, etag: string | undefined, log: ProvisioningDeps['log']): Promise<void> {
  const email = deps.config.messaging.email;
  if (!deps.mailer || !email.enabled || email.to.failure.length === 0) return;
  const s = holder.record;
  try {
    // Fixed addresses only in practice: the file may be the very thing that failed to parse.
    const { recipients } = resolveRecipients(email.to.failure, undefined, false);
    await deliverEventMail({ mailer: deps.mailer, email, log, ...(deps.now ? { now: deps.now } : {}) }, holder, {
      event: 'provisioning failed',
      occurrence: etag ?? 'no version',
      recipients,
      values: {
        space_name: s.dataset.name,
        space_path: s.dataset.prefix,
        reason: redactString(s.failureReason ?? s.lastError?.message ?? 'unknown'),
        now: humanDate((deps.now ?? (() => new Date()))()),
      },
    });
  } catch (e) {
    log.warn('failure mail not handled', { error: e });
  }
}
