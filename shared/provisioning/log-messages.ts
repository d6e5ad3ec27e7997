/**
 * Log messages other modules key on: the metrics read step latency and Onedata error ids from
 * these lines. A module of its own, without imports, so the metrics code (in every function)
 * does not pull the provisioning code and its HTTP client into the small bundles.
 */
export const LOG_MESSAGES = {
  stepCompleted: 'step completed',
  datasetFailed: 'dataset failed',
  attemptFailed: 'provisioning attempt failed',
  /** The fault suite's crash knob fired (fault-hook.ts): the worker stops here. */
  simulatedCrash: 'simulated crash',
} as const;
