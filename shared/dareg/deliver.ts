/**
 * Sends what the record says DAREG is owed (ledger.ts), in order, under the dataset's lease: the
 * holder is the DatasetLease (or anything that writes the record with its compare-and-swap). A
 * failure stops the run, is recorded in the record and logged (warn), and is returned, never
 * thrown: DAREG never fails the work it reports on. The rest is sent by a later run.
 */
import type { S3odConfig } from '../config/schema.ts';
import { redactString, SecretScope, type Logger } from '../log/index.ts';
import { RETRY_PRESETS, withRetry } from '../retry/index.ts';
import type { DatasetState } from '../state/dataset-state.ts';
import { DaregError, type DaregClient } from './client.ts';
import { CALL, markDone, markRegisterSent, markStopped } from './ledger.ts';
import { accessBody, datasetBody, logBody } from './payloads.ts';

export interface DaregDeps {
  client: DaregClient;
  config: S3odConfig;
  log: Logger;
  now?: () => Date;
  /** Injectable for tests (the in-run retries' backoff). */
  sleep?: (ms: number) => Promise<void>;
}

/** The dataset's record and how to write it (the DatasetLease of the run). */
export interface DaregHolder {
  readonly record: DatasetState;
  save(edit: (s: DatasetState) => void): Promise<void>;
}

export interface DaregReport {
  sent: number;
  /** Calls still owed afterwards. */
  owed: number;
  error?: string;
}

export async function deliverDareg(deps: DaregDeps, holder: DaregHolder): Promise<DaregReport> {
  const now = deps.now ?? (() => new Date());
  const d = holder.record.dareg;
  if (!d || d.due.length === 0) return { sent: 0, owed: d?.due.length ?? 0 };
  // The PATCH carries it: an answer that echoes it must not bring it into a log line or the record.
  const redaction = new SecretScope();
  redaction.hold(holder.record.outputs.inviteToken);
  try {
    return await deliverOwed(deps, holder, d, now);
  } finally {
    redaction.close();
  }
}

async function deliverOwed(deps: DaregDeps, holder: DaregHolder, d: NonNullable<DatasetState['dareg']>, now: () => Date): Promise<DaregReport> {
  const { client, config } = deps;
  const retry = (isRetryable: (e: DaregError) => boolean) => ({
    ...RETRY_PRESETS.dareg,
    isRetryable: (e: unknown) => e instanceof DaregError && isRetryable(e),
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
  });
  let sent = 0;
  let call: string | undefined;
  try {
    for (call of [...d.due]) {
      const s = holder.record;
      const spaceId = d.spaceId;
      if (call === CALL.dataset) {
        // Once a POST may have gone out, the register is asked first: a lost answer never registers the dataset twice.
        let mayExist = s.dareg?.registerSentAt !== undefined;
        if (!mayExist) await holder.save((r) => markRegisterSent(r, now()));
        await withRetry(
          async () => {
            if (mayExist && (await client.getDataset(spaceId)) !== undefined) return;
            try {
              await client.createDataset(datasetBody(s, config, client));
            } catch (e) {
              // Refused (400): registered already, e.g. by fs2od before the migration, when the register has it.
              if (e instanceof DaregError && e.status === 400 && (await client.getDataset(spaceId)) !== undefined) return;
              // Unless it surely did not arrive (refused, 503), the POST may have registered it.
              mayExist ||= !(e instanceof DaregError && e.notDelivered);
              throw e;
            }
          },
          retry((e) => e.transient),
        );
      } else if (call === CALL.access) {
        await withRetry(
          () => client.updateAccess(spaceId, accessBody(s)),
          retry((e) => e.transient),
        );
      } else {
        // A log entry may be sent again only when it surely did not arrive: no duplicate from a retry here.
        await withRetry(
          () => client.addLog(logBody(call!, s, config, client)),
          retry((e) => e.notDelivered),
        );
      }
      const done = call;
      await holder.save((r) => markDone(r, done, now()));
      sent++;
    }
    deps.log.info('DAREG updated', { spaceId: d.spaceId, calls: sent });
    return { sent, owed: 0 };
  } catch (e) {
    const error = e instanceof DaregError ? e.message : redactString(String((e as Error)?.message ?? e)).slice(0, 400);
    await holder.save((r) => markStopped(r, error, now()));
    const owed = holder.record.dareg?.due.length ?? 0;
    deps.log.warn('DAREG not updated; a later run sends the rest', { call, error, sent, owed, failures: holder.record.dareg?.failures });
    return { sent, owed, error };
  }
}
