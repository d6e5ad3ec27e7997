import type { ProvisioningOutputs } from '../state/dataset-state.ts';
import type { SagaRun } from './context.ts';
import { SimulatedCrashError } from './errors.ts';
import { LOG_MESSAGES } from './log-messages.ts';
import type { StepDef } from './steps.ts';

export class StepFailedError extends Error {
  override name = 'StepFailedError';
  constructor(readonly step: string, readonly error: unknown) {
    super(`step ${step} failed: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}

/**
 * Runs the steps as a dependency graph: every step whose needs are complete starts at once. Each
 * completed step's outputs are recorded (via `record`, serialised by the caller) before any step
 * that needs them starts, so a crash at any point resumes from the record. When a step fails, the
 * steps already running are allowed to finish (their ids must be recorded), nothing new starts, and
 * the first failure is thrown. Nothing is undone: the next run resumes forward from the record.
 */
export async function runSaga(
  run: SagaRun,
  steps: StepDef[],
  record: (step: string, outputs: Partial<ProvisioningOutputs>, metadataEtag: string | undefined) => Promise<void>,
): Promise<void> {
  const done = new Set(steps.filter((s) => run.record.state.completedSteps[s.name]).map((s) => s.name));
  const running = new Map<string, Promise<void>>();
  let failure: StepFailedError | SimulatedCrashError | undefined;

  const start = (step: StepDef): void => {
    const p = (async () => {
      const t0 = Date.now();
      const enabled = step.enabled?.(run) ?? true;
      const { metadataEtag, ...outputs } = enabled ? await step.run(run) : {};
      Object.assign(run.outputs, outputs);
      await record(step.name, outputs, metadataEtag);
      done.add(step.name);
      run.log.info(LOG_MESSAGES.stepCompleted, { step: step.name, durationMs: Date.now() - t0, skipped: !enabled || undefined });
      if (run.deps.crashAfterStep?.(step.name, run.record.state.dataset.name)) throw new SimulatedCrashError(`simulated crash after ${step.name}`);
    })()
      .catch((e) => {
        if (e instanceof SimulatedCrashError) failure ??= e;
        else failure ??= new StepFailedError(step.name, e);
      })
      .finally(() => running.delete(step.name));
    running.set(step.name, p);
  };

  for (;;) {
    if (!failure) {
      for (const s of steps) {
        if (!done.has(s.name) && !running.has(s.name) && s.needs.every((n) => done.has(n))) start(s);
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  if (failure) throw failure;
  const missing = steps.filter((s) => !done.has(s.name)).map((s) => s.name);
  if (missing.length) throw new Error(`steps never became ready: ${missing.join(', ')} (a dependency cycle?)`);
}
