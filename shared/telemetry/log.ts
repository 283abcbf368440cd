/**
 * Where use cases write what operators should read: an invocation's log in the Functions host
 * (InvocationContext has this shape), a recording double in tests. Use cases take this, not the
 * Functions types, so they know nothing of the host that runs them.
 */
export interface Log {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}
