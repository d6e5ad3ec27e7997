import { isOnedataError, isPermanent, OnedataValidationError } from '../onedata/index.ts';

/**
 * A problem that no retry can fix (bad metadata, a name that cannot be made valid, a forbidden
 * Onedata call): the dataset is marked failed at once with this reason, in words an operator can
 * act on.
 */
export class PermanentProvisioningError extends Error {
  override name = 'PermanentProvisioningError';
  constructor(
    message: string,
    readonly code: string,
    options?: ErrorOptions & { onedataErrorId?: string },
  ) {
    super(message, options);
    if (options?.onedataErrorId) this.onedataErrorId = options.onedataErrorId;
  }
  onedataErrorId?: string;
}

/**
 * Another worker holds the dataset's lease: not a failure, try again when the lease would expire
 * (the holder may have died; if it finishes first, the retry finds the dataset done).
 */
export class DatasetBusyError extends Error {
  override name = 'DatasetBusyError';
  /** Expected and harmless: logged at info level, not as an error. */
  readonly retryLater = true;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** Test hook: the worker "dies" right after a step was recorded (see docs/provisioning.md). */
export class SimulatedCrashError extends Error {
  override name = 'SimulatedCrashError';
}

/** Whether retrying can never help. Unknown errors are treated as retryable: a bug fix then resumes. */
export function isPermanentFailure(err: unknown): boolean {
  if (err instanceof PermanentProvisioningError || err instanceof OnedataValidationError) return true;
  return isOnedataError(err) && isPermanent(err);
}

export function onedataErrorIdOf(err: unknown): string | undefined {
  if (err instanceof PermanentProvisioningError) return err.onedataErrorId;
  return isOnedataError(err) ? err.id : undefined;
}
