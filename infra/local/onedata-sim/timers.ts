/** Timer bookkeeping so `close()` and `reset()` can stop everything the simulator scheduled. */

export class Timers {
  #pending = new Map<string, NodeJS.Timeout>();
  #anonymous = new Set<NodeJS.Timeout>();
  #seq = 0;

  /** Runs `fn` after `ms`; a `key` replaces (cancels) an earlier timer with the same key. */
  after(ms: number, fn: () => void, key?: string): void {
    const id = key ?? `#${++this.#seq}`;
    this.cancel(id);
    const handle = setTimeout(
      () => {
        this.#pending.delete(id);
        fn();
      },
      Math.max(0, ms),
    );
    this.#pending.set(id, handle);
  }

  cancel(key: string): void {
    const handle = this.#pending.get(key);
    if (handle) clearTimeout(handle);
    this.#pending.delete(key);
  }

  /** A promise resolved after `ms` (never resolved once the timers are cleared). */
  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const handle = setTimeout(() => {
        this.#anonymous.delete(handle);
        resolve();
      }, ms);
      this.#anonymous.add(handle);
    });
  }

  clear(): void {
    for (const handle of this.#pending.values()) clearTimeout(handle);
    for (const handle of this.#anonymous) clearTimeout(handle);
    this.#pending.clear();
    this.#anonymous.clear();
  }
}
