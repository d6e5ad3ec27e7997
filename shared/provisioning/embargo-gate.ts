/**
 * Where the embargo (shared/lifecycle/embargo.ts) meets provisioning: the `create-share` step asks
 * `embargoInForce` before it shares anything, and `followEmbargo` brings a provisioned dataset
 * whose share was held back up to date with its file as it is now — the date moved (recorded;
 * the caller rewrites our section), or the date passed or was removed (the share is created, and
 * the "dataset published" mail is owed in the same write). Run under the dataset's lease by the
 * refresh of a changed file and by the lifecycle pass.
 */
import { EmbargoRequestError, embargoRequest, type Embargo } from '../lifecycle/embargo.ts';
import type { DatasetLease } from '../state/dataset-lease.ts';
import { addHistory, type DatasetState } from '../state/dataset-state.ts';
import type { SagaRun } from './context.ts';
import { PermanentProvisioningError } from './errors.ts';
import { runSaga } from './saga.ts';
import type { StepDef } from './steps.ts';
import { PUBLISHED_EVENT } from './notify-ready.ts';

const nowOf = (run: SagaRun): Date => run.deps.now?.() ?? new Date();

/** The embargo that holds back this run's share now, or undefined; an unreadable request fails for good. */
export function embargoInForce(run: SagaRun): Embargo | undefined {
  let e: Embargo | undefined;
  try {
    e = embargoRequest(run.deps.config, run.metadata.doc, new Date(run.record.state.createdAt));
  } catch (err) {
    if (err instanceof EmbargoRequestError) throw new PermanentProvisioningError(err.message, 'badEmbargo');
    throw err;
  }
  return e && e.until.getTime() > nowOf(run).getTime() ? e : undefined;
}

export type EmbargoOutcome = 'published' | 'changed' | 'unchanged';

/**
 * A provisioned dataset's embargo, followed: `changed` when the recorded end moved (staged on the
 * lease), `published` when the share was created now, `unchanged` otherwise — including an
 * unreadable `Embargo` value (logged; the share stays held back until it is fixed: never early).
 */
export async function followEmbargo(run: SagaRun, lease: DatasetLease, shareSteps: StepDef[]): Promise<EmbargoOutcome> {
  const o = run.outputs;
  // A share made at the embargo's end whose description failed: finished now (below), never withdrawn.
  const resuming = publicationUnfinished(lease.record, shareSteps);
  if (o.shareId && !resuming) return 'unchanged'; // published: an embargo added later does not withdraw the share (docs/access.md)
  if (!resuming) {
    const outcome = followHeldBack(run, lease);
    if (outcome) return outcome;
    // Passed, shortened into the past, or removed: the share now, as the saga's own step makes it.
    lease.stage((s) => {
      for (const step of shareSteps) delete s.completedSteps[step.name];
    });
  }
  const now = nowOf(run);
  await runSaga(run, shareSteps, (step, outputs) =>
    lease.save((s) => {
      s.completedSteps[step] = new Date().toISOString();
      Object.assign(s.outputs, outputs);
    }),
  );
  await lease.save((s) => {
    addHistory(s, 'published', `embargo over; share ${s.outputs.shareId}`, now);
    // Owed from the write that records the share's last step: no crash can lose the mail.
    if (run.deps.mailer && run.deps.config.messaging.email.enabled) s.mailDue = [...new Set([...(s.mailDue ?? []), PUBLISHED_EVENT])];
  });
  run.log.info('embargo over: dataset published', { publicUrl: o.publicUrl });
  return 'published';
}

/**
 * Whether a share exists but not every step that publishes it completed (the description with
 * its download command comes after the share): such a run failed half-way and is resumed.
 */
export function publicationUnfinished(state: DatasetState, shareSteps: StepDef[]): boolean {
  return state.outputs.shareId !== undefined && shareSteps.some((s) => !state.completedSteps[s.name]);
}

/** The embargo still in force (or unreadable): `changed` when its end moved, `unchanged` otherwise; undefined once it is over. */
function followHeldBack(run: SagaRun, lease: DatasetLease): EmbargoOutcome | undefined {
  const o = run.outputs;
  let e: Embargo | undefined;
  try {
    e = embargoInForce(run);
  } catch (err) {
    run.log.warn('the embargo in the metadata file cannot be read; the share stays held back until it is fixed', { reason: (err as Error).message });
    return 'unchanged';
  }
  const now = nowOf(run);
  if (e) {
    const until = e.until.toISOString();
    if (o.embargoedUntil === until) return 'unchanged';
    lease.stage((s) => {
      s.outputs.embargoedUntil = until;
      addHistory(s, 'embargo changed', `${e.source} ${e.spec}: until ${until}`, now);
    });
    run.log.info('embargo changed', { until });
    return 'changed';
  }
  return undefined;
}
