import { AsyncLocalStorage } from 'node:async_hooks';
import { recordMetric } from './metrics.js';

/**
 * What telemetry needs to know about the invocation a piece of code runs in, without every call
 * passing it down: the function (Application Insights' operation name), the trace to continue, the
 * correlation id, and the Cosmos DB requests made so far. The two entry points open a scope around
 * each invocation (shared/http/endpoint.ts, shared/consumers/register-consumer.ts); the Cosmos
 * client's plugin and the dependency tracker read it. Outside any invocation there is none.
 */
export interface InvocationScope {
  /** The function name, e.g. `tasks-create`. */
  readonly operation: string;
  /** The invocation's own span (from the host), which the app's dependencies are children of. */
  readonly traceparent: string | undefined;
  readonly correlationId: string;
  /** Cosmos DB requests of this invocation, from the SDK's response headers (cosmos-telemetry.ts). */
  readonly cosmos: { requests: number; requestCharge: number };
}

const storage = new AsyncLocalStorage<InvocationScope>();

export function runInScope<T>(scope: Omit<InvocationScope, 'cosmos'>, work: (scope: InvocationScope) => Promise<T>): Promise<T> {
  const full: InvocationScope = { ...scope, cosmos: { requests: 0, requestCharge: 0 } };
  return storage.run(full, () => work(full));
}

export function currentScope(): InvocationScope | undefined {
  return storage.getStore();
}

/** What the entry points send when an invocation ends: its Cosmos DB requests and their charge. */
export function endInvocationTelemetry(scope: InvocationScope): void {
  if (scope.cosmos.requests === 0) return;
  const dimensions = { operation: scope.operation };
  recordMetric('cosmos.requests', scope.cosmos.requests, dimensions);
  recordMetric('cosmos.requestCharge', Math.round(scope.cosmos.requestCharge * 100) / 100, dimensions);
}
