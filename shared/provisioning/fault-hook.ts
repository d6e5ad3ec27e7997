/**
 * The fault suite's crash knob: the worker "dies" right after a step completes (the lease is not
 * released, the job is not acknowledged), and with it every output the run had staged but not
 * yet written (saga.ts): the next run finds those objects by identity. The saga logs
 * LOG_MESSAGES.simulatedCrash with the step when it fires. The knob is read from the environment
 * by the provision handler and injected into the saga (ProvisioningDeps.crashAfterStep); shared/
 * never reads it. Its value: a comma-separated list of `step` (every dataset) or
 * `step@datasetFolder` entries.
 */
export const CRASH_AFTER_STEP_ENV = 'S3OD_FAULT_CRASH_AFTER_STEP';

/** Whether the knob's value asks for a crash after `step` of the dataset named `datasetName`. */
export function shouldCrashAfter(step: string, datasetName: string, knob: string | undefined): boolean {
  if (!knob) return false;
  return knob.split(',').some((entry) => entry === step || entry === `${step}@${datasetName}`);
}

/** The hook for a knob value (undefined when there is none: production). */
export function crashAfterStepHook(knob: string | undefined): ((step: string, datasetName: string) => boolean) | undefined {
  return knob ? (step, datasetName) => shouldCrashAfter(step, datasetName, knob) : undefined;
}
