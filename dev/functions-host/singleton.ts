/**
 * At most one run per key at a time, like the singleton lock Azure takes for each timer function
 * (across all instances). Runs asked for while one is in progress wait their turn, in order.
 */
export class SingletonLock {
  #tails = new Map<string, Promise<unknown>>();
  #active = new Set<string>();

  isBusy(key: string): boolean {
    return this.#tails.has(key);
  }

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const current = previous.then(
      () => this.#exclusive(key, task),
      () => this.#exclusive(key, task),
    );
    const tail = current.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return current;
  }

  async #exclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
    if (this.#active.has(key)) throw new Error(`SingletonLock invariant broken for '${key}'.`);
    this.#active.add(key);
    try {
      return await task();
    } finally {
      this.#active.delete(key);
    }
  }
}
