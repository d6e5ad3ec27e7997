import { isTransient } from '../onedata/index.ts';
import { RETRY_PRESETS, withRetry } from '../retry/index.ts';
import type { SagaRun } from './context.ts';

/**
 * Create-or-adopt for Onedata objects without a server-side guard (storage, group, share, QoS
 * requirement). The create call itself is sent once (no client retry): if its answer is lost, the
 * object may exist, so the next try looks first. Right before each create the worker confirms it
 * still holds the dataset's lease: a worker that lost it (another took over after a stall) stops
 * instead of creating beside the new holder.
 */
export async function createOnce<T>(run: SagaRun, what: string, lookup: () => Promise<T | undefined>, create: () => Promise<T>): Promise<T> {
  let mayExist = run.mayHaveRunBefore;
  return withRetry(
    async () => {
      if (mayExist) {
        const found = await lookup();
        if (found !== undefined) {
          run.log.info(`${what} found from an earlier attempt; adopting it`);
          return found;
        }
      }
      await run.confirmLease();
      try {
        return await create();
      } catch (e) {
        if (isTransient(e)) mayExist = true;
        throw e;
      }
    },
    { ...RETRY_PRESETS.onedataCreate, retries: run.deps.config.onedata.retries, isRetryable: isTransient },
  );
}
