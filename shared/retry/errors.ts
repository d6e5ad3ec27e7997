/** Errors raised by the retry and polling helpers themselves (never by the operation being retried). */

/** A `pollUntil` wait ran out of time before the awaited condition became true. */
export class DeadlineExceededError extends Error {
  override readonly name = 'DeadlineExceededError';
  /** What was being awaited, e.g. "provider sees space 1a2b". */
  readonly description: string;
  readonly deadlineMs: number;
  readonly elapsedMs: number;
  readonly attempts: number;

  constructor(args: { description: string; deadlineMs: number; elapsedMs: number; attempts: number; cause?: unknown }) {
    const last = args.cause instanceof Error ? ` (last error: ${args.cause.message})` : '';
    super(
      `Timed out after ${args.elapsedMs} ms (deadline ${args.deadlineMs} ms, ${args.attempts} attempts) waiting for: ${args.description}${last}`,
      args.cause === undefined ? undefined : { cause: args.cause },
    );
    this.description = args.description;
    this.deadlineMs = args.deadlineMs;
    this.elapsedMs = args.elapsedMs;
    this.attempts = args.attempts;
  }
}

export function isDeadlineExceededError(err: unknown): err is DeadlineExceededError {
  return err instanceof DeadlineExceededError;
}
