import { describe, expect, it } from 'vitest';
import { acquireScanSlot, SCAN_SLOTS_KEY } from '../../../shared/importing/scan-slots.ts';
import { PreconditionFailedError, type ObjectStore } from '../../../shared/storage/objects.ts';

/** An in-memory object store with S3's conditional-write semantics. */
function memoryObjects(): ObjectStore & { data: Map<string, { body: Buffer; etag: string }> } {
  const data = new Map<string, { body: Buffer; etag: string }>();
  let n = 0;
  return {
    data,
    async get(key: string) {
      return data.get(key);
    },
    async put(key: string, body: string | Buffer, cond: { ifMatch?: string; ifNoneMatch?: '*' } = {}) {
      const cur = data.get(key);
      if (cond.ifNoneMatch && cur) throw new PreconditionFailedError(key);
      if (cond.ifMatch && cur?.etag !== cond.ifMatch) throw new PreconditionFailedError(key);
      const etag = `e${++n}`;
      data.set(key, { body: Buffer.from(body), etag });
      return etag;
    },
  } as unknown as ObjectStore & { data: Map<string, { body: Buffer; etag: string }> };
}

describe('acquireScanSlot', () => {
  it('holds at most `limit` scans and reclaims the slots of finished ones when full', async () => {
    const objects = memoryObjects();
    const statuses: Record<string, string> = { s1: 'running', s2: 'running' };
    const status = async (sid: string) => statuses[sid];
    expect(await acquireScanSlot(objects, 's1', 'd1', 2, status)).toBe(true);
    expect(await acquireScanSlot(objects, 's2', 'd2', 2, status)).toBe(true);
    expect(await acquireScanSlot(objects, 's3', 'd3', 2, status)).toBe(false);
    statuses.s1 = 'completed';
    expect(await acquireScanSlot(objects, 's3', 'd3', 2, status)).toBe(true);
    const slots = JSON.parse(objects.data.get(SCAN_SLOTS_KEY)!.body.toString()).slots;
    expect(Object.keys(slots).sort()).toEqual(['s2', 's3']);
  });

  it('a space that already holds a slot gets it again (a rescan of the same dataset)', async () => {
    const objects = memoryObjects();
    const status = async () => 'running';
    expect(await acquireScanSlot(objects, 's1', 'd1', 1, status)).toBe(true);
    expect(await acquireScanSlot(objects, 's1', 'd1', 1, status)).toBe(true);
  });

  it('never hands out more slots than the limit to concurrent callers', async () => {
    const objects = memoryObjects();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => acquireScanSlot(objects, `s${i}`, `d${i}`, 10, async () => 'running')));
    expect(results.filter(Boolean)).toHaveLength(10);
  });
});
