/**
 * DAREG, the dataset register (docs/dareg.md): an optional adapter that registers each
 * provisioned dataset, its access information and log entries for its main steps. What is owed
 * is planned with the outcome (ledger.ts `planDareg`), sent under the lease after it
 * (`finishDareg`), and finished by later runs (a refresh, the lifecycle pass) when DAREG was down;
 * those runs also send the access information again when it changed (an embargo's end).
 */
import type { S3odConfig, S3odSecrets } from '../config/schema.ts';
import type { Logger } from '../log/index.ts';
import { DaregClient } from './client.ts';
import { deliverDareg, type DaregHolder } from './deliver.ts';
import { daregOwed, markStopped, replanAccess } from './ledger.ts';

export { DaregClient, DaregError } from './client.ts';
export { deliverDareg, type DaregDeps, type DaregHolder, type DaregReport } from './deliver.ts';
export { daregOwed, daregSummary, MAX_DAREG_FAILURES, planDareg, resetDaregFailures } from './ledger.ts';

/** The token to send: S3OD_DAREG_TOKEN, else `dareg.token` from the config file. */
export function daregToken(config: Pick<S3odConfig, 'dareg'>, secrets: Pick<S3odSecrets, 'daregToken'>): string {
  return secrets.daregToken || config.dareg.token;
}

const clients = new WeakMap<S3odConfig['dareg'], { token: string; client: DaregClient }>();

/** One client per configuration and token (a function container builds it once). */
export function daregClient(config: S3odConfig, secrets: Pick<S3odSecrets, 'daregToken'>): DaregClient {
  const token = daregToken(config, secrets);
  const cached = clients.get(config.dareg);
  if (cached?.token === token) return cached.client;
  const client = new DaregClient({ host: config.dareg.host, token, timeoutMs: config.dareg.timeoutSeconds * 1000 });
  clients.set(config.dareg, { token, client });
  return client;
}

/**
 * Sends what the dataset's record says DAREG is still owed, under the caller's lease. Does nothing
 * when DAREG is disabled or nothing is owed. Never throws: a failure is recorded and logged, and
 * the caller's outcome stands.
 */
export async function finishDareg(
  deps: { config: S3odConfig; secrets: Pick<S3odSecrets, 'daregToken'>; log: Logger; now?: () => Date },
  holder: DaregHolder,
): Promise<void> {
  if (!deps.config.dareg.enabled) return;
  const now = deps.now ?? (() => new Date());
  try {
    replanAccess(holder.record);
    if (!daregOwed(holder.record)) return;
    if (!daregToken(deps.config, deps.secrets)) {
      await holder.save((s) => markStopped(s, 'no DAREG token: set S3OD_DAREG_TOKEN (or dareg.token)', now()));
      deps.log.warn('DAREG not updated: no token (S3OD_DAREG_TOKEN or dareg.token)');
      return;
    }
    await deliverDareg({ client: daregClient(deps.config, deps.secrets), config: deps.config, log: deps.log, now }, holder);
  } catch (e) {
    deps.log.warn('DAREG not handled; a later run tries again', { error: e });
  }
}
