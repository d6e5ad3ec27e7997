import { sendDatasetPublished, sendDatasetReady } from '../notifications/dataset-ready.ts';
import { lifecycleMailHook, owedLifecycleEvents } from '../notifications/lifecycle-mail.ts';
import type { LedgerHolder } from '../notifications/deliver.ts';
import type { DatasetState } from '../state/dataset-state.ts';
import type { MailEvent } from '../notifications/templates.ts';
import type { SagaRun } from './context.ts';

export const READY_EVENT: MailEvent = 'dataset ready';
/** The embargo ended and the share exists (embargo-gate.ts). */
export const PUBLISHED_EVENT: MailEvent = 'dataset published';

/**
 * The "dataset ready" mail, under the run's lease (the ledger's exactly-once rests on it), when the
 * record says it is owed (`mailDue`, written with `provisioned`). `retryOnly` is a later run of a
 * provisioned dataset: it only finishes what is owed, so enabling email later does not mail every
 * old dataset the next time its file changes. Never throws: a mail problem is recorded in the
 * ledger and logged, and provisioning's outcome stands.
 */
export async function notifyDatasetReady(run: SagaRun, holder: LedgerHolder): Promise<void> {
  const { deps } = run;
  if (!deps.mailer || !deps.config.messaging.email.enabled || !holder.record.mailDue?.length) return;
  // Lifecycle mail left owed (its pass found SMTP down) is finished by this run too: `s3od retry DATASET`.
  const hook = lifecycleMailHook({
    mailer: deps.mailer,
    email: deps.config.messaging.email,
    log: run.log,
    config: deps.config,
    objects: deps.objects,
    ...(deps.now ? { now: deps.now } : {}),
  });
  for (const e of owedLifecycleEvents(holder.record)) await hook(e, holder).catch((err) => run.log.warn('lifecycle mail not handled', { error: err }));
  // Every caller releases its lease after this: the outcome of each send goes with that write.
  const mailDeps = {
    mailer: deps.mailer,
    email: deps.config.messaging.email,
    log: run.log,
    outcomeWithNextWrite: true,
    ...(deps.now ? { now: deps.now } : {}),
  };
  for (const [event, send] of [
    [READY_EVENT, sendDatasetReady],
    [PUBLISHED_EVENT, sendDatasetPublished],
  ] as const) {
    if (!holder.record.mailDue?.includes(event)) continue;
    try {
      const report = await send(mailDeps, deps.config, holder, run.metadata.doc);
      // Still owed while a recipient failed with attempts left: the next run (s3od retry, the lifecycle pass) sends again.
      // No longer owed: with the holder's next write (every caller releases its lease after this).
      // A crash before it leaves the event owed, and the ledger then finds every recipient served:
      // the next run removes it without a second mail.
      const served = (s: DatasetState): void => void (s.mailDue = s.mailDue?.filter((e) => e !== event));
      if (report.stillOwed === 0) {
        if (holder.stage) holder.stage(served);
        else await holder.save(served);
      }
    } catch (e) {
      run.log.warn(`${event} mail not handled`, { error: e });
    }
  }
}
