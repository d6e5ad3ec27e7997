import { describe, expect, it } from 'vitest';
import { Semaphore, limitConcurrency } from '../../../shared/retry/index.ts';

function deferred<T = void>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('Semaphore', () => {
  it('rejects a non-positive size', () => {
    expect(() => new Semaphore(0)).toThrow(RangeError);
    expect(() => new Semaphore(1.5)).toThrow(RangeError);
  });

  it('never runs more than n at a time and serves waiters in FIFO order', async () => {
    const sem = new Semaphore(2);
    const gates = Array.from({ length: 5 }, () => deferred());
    const started: number[] = [];
    let running = 0;
    let peak = 0;
    const all = gates.map((g, i) =>
      sem.run(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await g.promise;
        running--;
        return i;
      }),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(sem.active).toBe(2);
    expect(sem.pending).toBe(3);
    gates[1]!.resolve();
    await tick();
    expect(started).toEqual([0, 1, 2]);
    gates[0]!.resolve();
    await tick();
    expect(started).toEqual([0, 1, 2, 3]);
    gates[2]!.resolve();
    gates[3]!.resolve();
    gates[4]!.resolve();
    expect(await Promise.all(all)).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(sem.active).toBe(0);
    expect(sem.pending).toBe(0);
  });

  it('releases the slot when the task throws', async () => {
    const sem = new Semaphore(1);
    await expect(sem.run(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(sem.active).toBe(0);
    expect(await sem.run(async () => 'next')).toBe('next');
  });

  it('ignores a double release', async () => {
    const sem = new Semaphore(1);
    const release = await sem.acquire();
    release();
    release();
    expect(sem.active).toBe(0);
    const r1 = await sem.acquire();
    expect(sem.active).toBe(1);
    r1();
  });
});

describe('limitConcurrency', () => {
  it('wraps functions with a shared limit', async () => {
    const limit = limitConcurrency(1);
    const order: string[] = [];
    const g = deferred();
    const a = limit(async () => {
      order.push('a:start');
      await g.promise;
      order.push('a:end');
    });
    const b = limit(async () => {
      order.push('b');
    });
    await tick();
    expect(order).toEqual(['a:start']);
    g.resolve();
    await Promise.all([a, b]);
    expect(order).toEqual(['a:start', 'a:end', 'b']);
  });
});

describe('Semaphore priorities', () => {
  it('serves every waiting normal caller before a low-priority one, FIFO within each', async () => {
    const s = new Semaphore(1);
    const release = await s.acquire();
    const order: string[] = [];
    const wait = (name: string, p: 'normal' | 'low') =>
      s.acquire(p).then((r) => {
        order.push(name);
        r();
      });
    const all = Promise.all([wait('poll1', 'low'), wait('create1', 'normal'), wait('poll2', 'low'), wait('create2', 'normal')]);
    release();
    await all;
    expect(order).toEqual(['create1', 'create2', 'poll1', 'poll2']);
  });
});
