/** Thrown by waitUntil when the deadline passes, so a caller can tell "not yet" from a real failure. */
export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
}

export interface WaitOptions {
  timeoutMs: number;
  /** Pause between two calls of the condition. */
  intervalMs?: number;
  /** What is awaited, for the error; a function is called at the deadline, so it can show the last state seen. */
  describe: string | (() => string);
}

/**
 * Calls `condition` until it returns something other than undefined or false, and resolves with
 * that. The condition runs once more after the deadline has passed before this gives up with a
 * WaitTimeoutError; anything the condition throws ends the wait at once.
 */
export async function waitUntil<T>(condition: () => T | Promise<T>, options: WaitOptions): Promise<Exclude<T, undefined | false>> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await condition();
    if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
    if (Date.now() > deadline) {
      const what = typeof options.describe === 'function' ? options.describe() : options.describe;
      throw new WaitTimeoutError(`timed out after ${options.timeoutMs / 1000} s waiting for ${what}`);
    }
    await new Promise((wake) => setTimeout(wake, options.intervalMs ?? 100));
  }
}
