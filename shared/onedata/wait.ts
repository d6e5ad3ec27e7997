import { pollUntil, realSleep } from '../retry/index.ts';
import { hasErrorId, isNotFound, isPosixError, isTransient } from './errors.ts';
import type { OneproviderApi } from './oneprovider.ts';

export interface WaitOptions {
  /** Total time to wait, in ms. */
  deadlineMs: number;
  /** First pause between polls. @default 500 */
  initialDelayMs?: number;
  /** Longest pause between polls. @default 5000 */
  maxDelayMs?: number;
  /**
   * No call before this time (epoch ms): the caller expects the space to take about that long to
   * show up, so earlier polls would only spend Onedata capacity. @default now
   */
  notBefore?: number;
  /**
   * Told of every poll that got an answer: when it was sent and answered (epoch ms) and whether the
   * provider saw the space (a transient failure tells nothing about that and is not reported).
   */
  onPoll?: (poll: { sentAt: number; answeredAt: number; seen: boolean }) => void;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/**
 * Errors a Oneprovider gives for a space it has not caught up with yet (Onezone → provider
 * propagation): `spaceNotSupportedBy`, `userNotSupported`, `forbidden`, `posix enoent`, `notFound`,
 * plus transient failures that outlasted the request-level retries.
 */
export function isProviderNotYetError(err: unknown): boolean {
  return hasErrorId(err, 'spaceNotSupportedBy', 'userNotSupported', 'forbidden') || isPosixError(err, 'enoent') || isNotFound(err) || isTransient(err);
}

/**
 * Polls `provider.getSpace(spaceId)` until the provider answers with the space's root `dirId`,
 * treating the "not yet" errors above as a reason to keep waiting. Throws `DeadlineExceededError`
 * (from shared/retry) when the deadline passes, or the first other error at once.
 */
export async function waitUntilProviderSeesSpace(
  client: { provider: Pick<OneproviderApi, 'getSpace'> },
  spaceId: string,
  opts: WaitOptions,
): Promise<{ dirId: string }> {
  const now = opts.now ?? Date.now;
  // Sleep right up to notBefore: waiting on the backoff's ticks would make the first call land up
  // to a whole (doubling) pause after it, and that pause is on the dataset's critical path.
  const early = opts.notBefore === undefined ? 0 : Math.min(opts.notBefore - now(), opts.deadlineMs);
  if (early > 0) await (opts.sleep ?? realSleep)(early);
  return pollUntil(
    async () => {
      if (opts.notBefore !== undefined && now() < opts.notBefore) return undefined;
      // Polls go behind the calls that create things: under load they could only fail anyway.
      const sentAt = now();
      let space;
      try {
        space = await client.provider.getSpace(spaceId, { priority: 'low' });
      } catch (e) {
        if (isProviderNotYetError(e) && !isTransient(e)) opts.onPoll?.({ sentAt, answeredAt: now(), seen: false });
        throw e;
      }
      opts.onPoll?.({ sentAt, answeredAt: now(), seen: Boolean(space.dirId) });
      return space.dirId ? { dirId: space.dirId } : undefined;
    },
    {
      deadlineMs: opts.deadlineMs - Math.max(0, early),
      initialDelayMs: opts.initialDelayMs ?? 500,
      maxDelayMs: opts.maxDelayMs ?? 5000,
      description: `Oneprovider to see space ${spaceId}`,
      isRetryable: isProviderNotYetError,
      ...(opts.sleep ? { sleep: opts.sleep } : {}),
      ...(opts.now ? { now: opts.now } : {}),
    },
  );
}
