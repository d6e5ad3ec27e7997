/**
 * What DAREG is owed, kept in the dataset's record (`DatasetState.dareg`), in the style of the
 * mail ledger (shared/notifications/ledger.ts). The calls are planned in the write that records
 * `provisioned` (no crash can lose them), sent in order under the dataset's lease, and each one
 * leaves `due` in a write after DAREG answered it. What a crash or a lost answer can do:
 *
 * - the dataset POST: `registerSentAt` is written before the first POST goes out; from then on
 *   (a later run, a retry after a timeout) the dataset is looked up first and created only when
 *   the register answers 404 — it is never registered twice;
 * - the access PATCH is idempotent: sending it again changes nothing;
 * - a log entry answered but not yet recorded (a crash, a lost answer) is sent again: at most one
 *   extra entry per crash or lost answer. Entries are retried at once only when they surely did
 *   not arrive (connection refused, 429, 503).
 */
import { createHash } from 'node:crypto';
import type { S3odConfig } from '../config/schema.ts';
import type { DaregRecord, DatasetState } from '../state/dataset-state.ts';

/** After this many runs in a row stopped by a failure the calls stay owed but are no longer tried (`s3od retry` tries again). */
export const MAX_DAREG_FAILURES = 24;

export const CALL = {
  dataset: 'dataset',
  access: 'access',
  done: 'log:done',
} as const;

/** The calls a provisioned dataset owes DAREG, in the order they go out (fs2od's main steps). */
export function plannedCalls(s: DatasetState): string[] {
  const o = s.outputs;
  const calls: string[] = [CALL.dataset];
  if (o.storageId) calls.push('log:storage');
  if (o.supported) calls.push('log:support');
  for (const r of o.replicaSupports ?? []) calls.push(`log:support:${r.providerId}`);
  if (o.groupId) calls.push('log:group');
  if (o.inviteTokenId || o.inviteToken) calls.push('log:invite-token');
  if (o.member) calls.push('log:group-in-space');
  calls.push(CALL.access);
  calls.push(CALL.done);
  return calls;
}

/**
 * In the write that records `provisioned`, when DAREG is enabled: the calls become owed. A record
 * about another space (the dataset was deleted and provisioned again) starts afresh.
 */
export function planDareg(s: DatasetState, config: Pick<S3odConfig, 'dareg'>): void {
  const spaceId = s.outputs.spaceId;
  if (!config.dareg.enabled || !spaceId) return;
  const prev = s.dareg?.spaceId === spaceId ? s.dareg : undefined;
  const done = prev?.done ?? {};
  s.dareg = { ...prev, spaceId, due: plannedCalls(s).filter((c) => !done[c]), done, failures: 0 };
}

/** Whether a run should try DAREG for this record: calls owed and not given up. */
export function daregOwed(s: Pick<DatasetState, 'dareg'>): boolean {
  return !!s.dareg?.due.length && s.dareg.failures < MAX_DAREG_FAILURES;
}

export function markRegisterSent(s: DatasetState, now: Date): void {
  if (s.dareg) s.dareg.registerSentAt ??= now.toISOString();
}

/** What identifies the access information sent (a hash: the record keeps no second copy of the token). */
export function accessKey(s: DatasetState): string {
  return createHash('sha256')
    .update(`${s.outputs.inviteToken ?? ''}\n${s.outputs.publicUrl ?? ''}`)
    .digest('hex')
    .slice(0, 16);
}

/**
 * The access information changed since it was sent (the share created when an embargo ended, an
 * invite token recreated): the PATCH is owed again. Staged on the record; the run's next write
 * keeps it.
 */
export function replanAccess(s: DatasetState): void {
  const d = s.dareg;
  if (!d || d.spaceId !== s.outputs.spaceId || !d.done[CALL.access] || d.due.includes(CALL.access)) return;
  if (d.accessSentFor === accessKey(s)) return;
  d.due.push(CALL.access);
  d.failures = 0;
}

/** A call DAREG answered: out of `due`. The last one ends the run of failures. */
export function markDone(s: DatasetState, call: string, now: Date): void {
  const d = s.dareg;
  if (!d) return;
  d.due = d.due.filter((c) => c !== call);
  d.done[call] = now.toISOString();
  if (call === CALL.access) d.accessSentFor = accessKey(s);
  d.lastAttemptAt = now.toISOString();
  if (d.due.length === 0) {
    d.failures = 0;
    delete d.lastError;
  }
}

/** A run stopped on a failure: the rest stays owed for a later run. */
export function markStopped(s: DatasetState, error: string, now: Date): void {
  const d = s.dareg;
  if (!d) return;
  d.failures += 1;
  d.lastError = error;
  d.lastAttemptAt = now.toISOString();
}

/** `s3od retry`: a register that was given up on is tried again. */
export function resetDaregFailures(s: DatasetState): void {
  if (s.dareg) s.dareg.failures = 0;
}

/** For `s3od status` and logs. */
export function daregSummary(d: DaregRecord): { sent: number; owed: number; gaveUp: boolean } {
  return { sent: Object.keys(d.done).length, owed: d.due.length, gaveUp: d.due.length > 0 && d.failures >= MAX_DAREG_FAILURES };
}
