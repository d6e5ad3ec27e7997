/**
 * A small FIFO counting semaphore. Waiters are served strictly in arrival order, so a burst of
 * calls cannot starve an earlier one — except that `low`-priority waiters (e.g. polls that can
 * only succeed later anyway) go after every normal one.
 */
export class Semaphore {
  readonly #max: number;
  #active = 0;
  readonly #waiters: Array<() => void> = [];
  readonly #lowWaiters: Array<() => void> = [];

  constructor(max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`Semaphore size must be a positive integer, got ${max}`);
    this.#max = max;
  }

  /** Slots currently held. */
  get active(): number {
    return this.#active;
  }

  /** Callers waiting for a slot. */
  get pending(): number {
    return this.#waiters.length + this.#lowWaiters.length;
  }

  /** Waits for a slot; the returned function releases it (calling it twice is a no-op). */
  async acquire(priority: 'normal' | 'low' = 'normal'): Promise<() => void> {
    if (this.#active < this.#max) {
      this.#active++;
    } else {
      // The slot is handed over by `release` without decrementing, so no newcomer can jump the queue.
      await new Promise<void>((resolve) => (priority === 'low' ? this.#lowWaiters : this.#waiters).push(resolve));
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#release();
    };
  }

  /** Runs `fn` while holding a slot. */
  async run<T>(fn: () => Promise<T>, priority: 'normal' | 'low' = 'normal'): Promise<T> {
    const release = await this.acquire(priority);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  #release(): void {
    const next = this.#waiters.shift() ?? this.#lowWaiters.shift();
    if (next) next();
    else this.#active--;
  }
}

/** Returns a wrapper that runs at most `n` of the wrapped functions at a time, in FIFO order. */
export function limitConcurrency(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  const semaphore = new Semaphore(n);
  return (fn) => semaphore.run(fn);
}
