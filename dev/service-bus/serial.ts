/**
 * Runs tasks one at a time, in call order. A failed task does not stop the ones queued after it.
 * Used per sending entity, so sequence numbers and duplicate checks see sends in a single order.
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;

  get busy(): boolean {
    return this.queued > 0;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.queued += 1;
    const result = this.tail.then(task);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.tail = settled.then(() => {
      this.queued -= 1;
    });
    return result;
  }
}

/** Runs `work` over `items` with at most `limit` in flight; rejects with the first failure after all settle. */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure) throw failure.error;
}
