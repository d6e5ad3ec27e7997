import type { ProvisioningOutputs } from '../state/dataset-state.ts';
import type { SagaRun } from './context.ts';
import { SimulatedCrashError } from './errors.ts';
import { LOG_MESSAGES } from './log-messages.ts';
import type { StepDef } from './steps.ts';

export class StepFailedError extends Error {
  override name = 'StepFailedError';
  constructor(
    readonly step: string,
    readonly error: unknown,
  ) {
    super(`step ${step} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}

/**
 * Staged recording for runSaga: `stage` keeps a step's outputs for the next write (runSaga's
 * `record` call, or the caller's next save), and `flush` writes what is staged now.
 */
export interface StagedRecording {
  stage: (step: string, outputs: Partial<ProvisioningOutputs>, metadataEtag: string | undefined) => void;
  flush: () => Promise<void>;
}

/**
 * Runs the steps as a dependency graph: every step whose needs are complete starts at once. Each
 * completed step's outputs are handed to `record` (the caller serialises and coalesces the writes)
 * and the steps that need them start at once, without waiting for the write: the record writes
 * run beside the Onedata calls instead of between them. That is safe because no step relies on the
 * record to be idempotent — a crash before a write lands leaves the object in Onedata without its
 * id in the record, exactly like a lost answer, and the next run finds it by identity (the
 * look-before-create of each step). A step marked `afterRecorded` waits for every write so far,
 * for effects that make another worker read the record. The run ends only when every write has
 * landed. When a step fails, the steps already running are allowed to finish, nothing new starts,
 * and the first failure is thrown. Nothing is undone: the next run resumes forward from the record.
 *
 * With `staged`, the same argument goes further: a step's outputs are staged, not written, unless
 * the step says `writeAtOnce`; what is staged is written when a `writeBefore` step starts (a long
 * wait follows, and the record should show the progress meanwhile), before an `afterRecorded`
 * step, and by the caller's next save (its outcome, or its failure). Under a burst every write is
 * a request to a busy S3 server, and most steps' outputs are only a shortcut for a resumed run.
 */
export async function runSaga(
  run: SagaRun,
  steps: StepDef[],
  record: (step: string, outputs: Partial<ProvisioningOutputs>, metadataEtag: string | undefined) => Promise<void>,
  staged?: StagedRecording,
): Promise<void> {
  const done = new Set(steps.filter((s) => run.record.state.completedSteps[s.name]).map((s) => s.name));
  const running = new Map<string, Promise<void>>();
  const writes: Promise<void>[] = [];
  let writeFailed = false;
  let failure: StepFailedError | SimulatedCrashError | undefined;

  const track = (write: Promise<void>): void => {
    // Observed here (an unawaited rejection would crash the process) and awaited below. A failed
    // write (the lease lost to another worker, S3 down) stops new steps at once: the record is no
    // longer ours to extend, and the other worker may be creating the same objects.
    write.catch(() => {
      writeFailed = true;
    });
    writes.push(write);
  };

  const start = (step: StepDef): void => {
    const p = (async () => {
      if (staged && (step.afterRecorded || step.writeBefore)) track(staged.flush());
      if (step.afterRecorded) await Promise.all(writes);
      const t0 = Date.now();
      const enabled = step.enabled?.(run) ?? true;
      const { metadataEtag, ...outputs } = enabled ? await step.run(run) : {};
      Object.assign(run.outputs, outputs);
      if (staged && !step.writeAtOnce) staged.stage(step.name, outputs, metadataEtag);
      else track(record(step.name, outputs, metadataEtag));
      done.add(step.name);
      run.log.info(LOG_MESSAGES.stepCompleted, { step: step.name, durationMs: Date.now() - t0, skipped: !enabled || undefined });
      if (run.deps.crashAfterStep?.(step.name, run.record.state.dataset.name)) {
        // Said in the log, for the fault suite: with staged outputs, the record may not show the step.
        run.log.warn(LOG_MESSAGES.simulatedCrash, { step: step.name });
        throw new SimulatedCrashError(`simulated crash after ${step.name}`);
      }
    })()
      .catch((e) => {
        if (e instanceof SimulatedCrashError) failure ??= e;
        else failure ??= new StepFailedError(step.name, e);
      })
      .finally(() => running.delete(step.name));
    running.set(step.name, p);
  };

  for (;;) {
    if (!failure && !writeFailed) {
      for (const s of steps) {
        if (!done.has(s.name) && !running.has(s.name) && s.needs.every((n) => done.has(n))) start(s);
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  // Every output must be in the record before the run reports anything.
  const unwritten = (await Promise.allSettled(writes)).find((r) => r.status === 'rejected');
  if (failure instanceof SimulatedCrashError) throw failure;
  // A lost write (the lease taken over, S3 down) says more than a step's failure: the record is not ours.
  if (unwritten) throw (unwritten as PromiseRejectedResult).reason;
  if (failure) throw failure;
  const missing = steps.filter((s) => !done.has(s.name)).map((s) => s.name);
  if (missing.length) throw new Error(`steps never became ready: ${missing.join(', ')} (a dependency cycle?)`);
}
