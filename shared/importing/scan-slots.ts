import { RESERVED_PREFIX } from '../dataset/ref.ts';
import { RETRY_PRESETS, withRetry } from '../retry/index.ts';
import { PreconditionFailedError, type ObjectStore } from '../storage/objects.ts';

/**
 * posix mode: a Oneprovider scans at most 10 spaces at once; scans forced beyond that only queue
 * up there and keep our jobs bouncing on 409s. So s3od itself holds at most `limit` scans: one
 * small record in the bucket lists the spaces whose scan s3od started, updated with
 * compare-and-swap. Scans end without telling anyone, so a slot is reclaimed lazily: only when
 * all slots look taken, each holder's import status is read (at most `limit` GETs) and finished
 * ones are dropped.
 */
export const SCAN_SLOTS_KEY = `${RESERVED_PREFIX}scan-slots.json`;
const FINISHED = new Set(['completed', 'failed', 'aborted']);

interface SlotsRecord {
  slots: Record<string, { datasetId: string; since: string }>;
}

export async function acquireScanSlot(
  objects: ObjectStore,
  spaceId: string,
  datasetId: string,
  limit: number,
  scanStatus: (spaceId: string) => Promise<string | undefined>,
  now = Date.now(),
): Promise<boolean> {
  let checked = false;
  return withRetry(
    async () => {
      const cur = await objects.get(SCAN_SLOTS_KEY);
      const record: SlotsRecord = cur ? (JSON.parse(cur.body.toString('utf8')) as SlotsRecord) : { slots: {} };
      if (!record.slots[spaceId] && Object.keys(record.slots).length >= limit) {
        if (checked) return false;
        checked = true;
        for (const sid of Object.keys(record.slots)) {
          const status = await scanStatus(sid).catch(() => undefined);
          // Unknown (e.g. the space is gone) counts as finished: a lost slot is worse than a 409.
          if (status === undefined || FINISHED.has(status)) delete record.slots[sid];
        }
        if (Object.keys(record.slots).length >= limit) return false;
      }
      record.slots[spaceId] = { datasetId, since: new Date(now).toISOString() };
      await objects.put(SCAN_SLOTS_KEY, JSON.stringify(record), cur ? { ifMatch: cur.etag } : { ifNoneMatch: '*' }, 'application/json');
      return true;
    },
    { ...RETRY_PRESETS.recordCas, isRetryable: (e) => e instanceof PreconditionFailedError },
  );
}
