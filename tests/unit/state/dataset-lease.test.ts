import { describe, expect, it } from 'vitest';
import { datasetRef } from '../../../shared/dataset/ref.ts';
import { DatasetLease } from '../../../shared/state/dataset-lease.ts';
import { LeaseLostError, StateStore } from '../../../shared/state/state-store.ts';
import { MemoryObjects } from '../../helpers/memory-objects.ts';

/**
 * DatasetLease.confirm: the fence a worker passes right before a create Onedata does not guard.
 * The clock is the store's (moved by hand), as every lease expiry is.
 */
const TTL = 10_000;
const ds = datasetRef('facility', 'datasets', 'Run1');

async function holder() {
  let nowMs = Date.parse('2026-12-04T12:00:00Z');
  const objects = new MemoryObjects();
  const states = new StateStore(objects, () => new Date(nowMs));
  const lease = await DatasetLease.acquire(states, ds, { ttlMs: TTL });
  if (!(lease instanceof DatasetLease)) throw new Error('lease expected');
  const puts = () => objects.calls.filter((c) => c.op === 'put').length;
  return { states, lease, puts, advance: (ms: number) => (nowMs += ms) };
}

describe('DatasetLease.confirm', () => {
  it('costs no write while more than half of the lease is left', async () => {
    // Guards: the fast path (removed: every unguarded create pays a record write).
    const { lease, puts, advance } = await holder();
    const before = puts();
    advance(TTL / 2 - 100);
    await lease.confirm();
    expect(puts()).toBe(before);
  });

  it('renews the lease when less than half is left', async () => {
    // Guards: the renewal (removed: a worker creates on a lease about to pass to another).
    const { states, lease, puts, advance } = await holder();
    const before = puts();
    advance(TTL / 2 + 100);
    await lease.confirm();
    expect(puts()).toBe(before + 1);
    const written = (await states.read(ds.id))!.state.lease!;
    expect(Date.parse(written.expiresAt) - states.now().getTime()).toBe(TTL);
    // Renewed: the next confirm is free again.
    await lease.confirm();
    expect(puts()).toBe(before + 1);
  });

  it('fails once another worker took the lease over, and keeps failing without another write', async () => {
    // Guards: the check (removed: the stale worker creates beside the one that took over).
    const { states, lease, puts, advance } = await holder();
    advance(TTL + 1);
    const taken = await states.acquireLease(ds, 'next-worker', TTL);
    expect('busy' in taken).toBe(false);
    await expect(lease.confirm()).rejects.toBeInstanceOf(LeaseLostError);
    const after = puts();
    await expect(lease.confirm()).rejects.toBeInstanceOf(LeaseLostError);
    expect(puts()).toBe(after);
    expect((await states.read(ds.id))!.state.lease?.owner).toBe('next-worker');
  });

  it('fails when the worker that took over has already released the lease', async () => {
    // Guards: a record without a lease counts as lost (removed: the stale worker writes its lease
    // back over the finished run and goes on creating).
    const { states, lease, advance } = await holder();
    advance(TTL + 1);
    const next = await DatasetLease.acquire(states, ds, { ttlMs: TTL });
    if (!(next instanceof DatasetLease)) throw new Error('lease expected');
    await next.release((s) => void (s.status = 'provisioned'));
    await expect(lease.confirm()).rejects.toBeInstanceOf(LeaseLostError);
    const record = (await states.read(ds.id))!.state;
    expect(record.lease).toBeUndefined();
    expect(record.status).toBe('provisioned');
  });
});

describe('DatasetLease.acquire with the record the caller has just read', () => {
  it('takes the lease with one PUT and no read, and reads again when the record changed since', async () => {
    // Guards: `known` in StateStore.update (removed: every provisioning run pays a second GET of
    // the record before its first Onedata call; mis-applied: a stale guess would overwrite).
    const objects = new MemoryObjects();
    const states = new StateStore(objects);
    const fresh = await DatasetLease.acquire(states, ds, { ttlMs: TTL, known: null });
    if (!(fresh instanceof DatasetLease)) throw new Error('lease expected');
    expect(objects.calls.map((c) => `${c.op} ${c.result}`)).toEqual(['put ok']);
    await fresh.release();

    const before = (await states.read(ds.id))!;
    await states.update(ds, (s) => void (s.import.registered = 7)); // an importer writes meanwhile
    objects.calls.length = 0;
    const next = await DatasetLease.acquire(states, ds, { ttlMs: TTL, known: before });
    if (!(next instanceof DatasetLease)) throw new Error('lease expected');
    expect(objects.calls.map((c) => `${c.op} ${c.result}`)).toEqual(['put precondition-failed', 'get ok', 'put ok']);
    expect(next.record.import.registered).toBe(7);
  });
});
