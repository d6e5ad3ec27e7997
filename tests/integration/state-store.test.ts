import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { datasetRef } from '../../shared/dataset/ref.ts';
import { LeaseLostError, StateStore } from '../../shared/state/state-store.ts';
import { ObjectStore, PreconditionFailedError } from '../../shared/storage/objects.ts';
import { s3Client, stackInfo } from '../helpers/stack-client.ts';

/** Conditional writes and leases against the real Ceph RGW (which wants ETags without quotes). */
const info = stackInfo();
const objects = new ObjectStore(s3Client(info), info.bucket);
const states = new StateStore(objects);
const fresh = () => datasetRef(info.bucket, 'statetest', randomUUID());

describe('ObjectStore conditional writes on RGW', () => {
  it('creates once with If-None-Match and swaps only on the current ETag', async () => {
    const key = `.s3od/test/${randomUUID()}`;
    const e1 = await objects.put(key, 'one', { ifNoneMatch: '*' });
    await expect(objects.put(key, 'again', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(PreconditionFailedError);
    const e2 = await objects.put(key, 'two', { ifMatch: e1 });
    await expect(objects.put(key, 'stale', { ifMatch: e1 })).rejects.toBeInstanceOf(PreconditionFailedError);
    await objects.put(key, 'three', { ifMatch: `"${e2}"` });
    expect((await objects.get(key))!.body.toString()).toBe('three');
  });
});

describe('StateStore', () => {
  it('applies concurrent updates without losing any', async () => {
    const d = fresh();
    await Promise.all(Array.from({ length: 10 }, () => states.update(d, (s) => void (s.import.registered += 1))));
    expect((await states.read(d.id))!.state.import.registered).toBe(10);
  });

  it('gives the lease to exactly one of many concurrent workers, and to another once it expires', async () => {
    const d = fresh();
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => states.acquireLease(d, `w${i}`, 60_000)));
    expect(results.filter((r) => !('busy' in r))).toHaveLength(1);
    const short = fresh();
    await states.acquireLease(short, 'dead-worker', 1);
    await new Promise((r) => setTimeout(r, 20));
    expect('busy' in (await states.acquireLease(short, 'next-worker', 60_000))).toBe(false);
  });

  it("a lease holder's save keeps importers' counters, and fails once another worker holds the lease", async () => {
    const d = fresh();
    const mine = await states.acquireLease(d, 'me', 60_000);
    if ('busy' in mine) throw new Error('lease expected');
    await states.update(d, (s) => void (s.import.registered = 7));
    mine.state.status = 'provisioning';
    const saved = await states.save(mine);
    expect(saved.state.import.registered).toBe(7);
    expect((await states.read(d.id))!.state.status).toBe('provisioning');
    await states.update(d, (s) => void (s.lease = { owner: 'thief', expiresAt: new Date(Date.now() + 60_000).toISOString() }));
    await expect(states.save(saved)).rejects.toBeInstanceOf(LeaseLostError);
  });
});
