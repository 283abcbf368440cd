import { sinkSpan } from './telemetry-sink.js';
import { currentScope } from './invocation-scope.js';
import { redactText } from './redaction.js';
import { childOf, formatTraceparent, newTrace, parseTraceparent } from './trace-context.js';

/**
 * Calls the app makes to other services, recorded as Application Insights dependencies
 * (`dependencies`) in the trace of the invocation that made them: Service Bus sends, Cosmos DB
 * operations and GOV.UK Notify calls. Each span has a traceparent of its own before the call
 * starts, so a message can carry it (Service Bus `Diagnostic-Id`) and what the message causes
 * continues the same trace as a child of the send.
 */
export interface DependencySpan {
  /** This call's own traceparent: the trace it belongs to and its span id. */
  readonly traceparent: string;
  end(outcome: { success: boolean; resultCode?: string | number; properties?: Record<string, string | number> }): void;
}

export type DependencyKind =
  /** A send to a queue or topic (`Queue Message`). */
  | { type: 'servicebus'; entity: string }
  /** A Cosmos DB operation (`cosmosdb`): what it did, on which container. */
  | { type: 'cosmosdb'; database: string; operation: string }
  /** An HTTP call to another service (`Http`). */
  | { type: 'http'; method: string; url: string };

/**
 * Starts a dependency span, a child of `parent` (default: the current invocation's span; a new
 * trace outside any invocation). Without the SDK (telemetry off, or not loaded yet) the span still
 * gets its own ids, so what it hands on (a Diagnostic-Id) stays in the caller's trace.
 */
export function startDependency(name: string, kind: DependencyKind, parent?: string): DependencySpan {
  const scope = currentScope();
  const parentTraceparent = parent ?? scope?.traceparent;
  const attributes: Record<string, string> = { ...attributesOf(kind), ...(scope ? { 'ai.operation.name': scope.operation } : {}) };
  const recorded = sinkSpan({ name: redactText(name), kind: kind.type === 'servicebus' ? 'producer' : 'client', parent: parentTraceparent, attributes });
  const parsed = parseTraceparent(parentTraceparent);
  const ids = recorded ? { traceId: recorded.traceId, spanId: recorded.spanId, flags: parsed?.flags ?? '01' } : parsed ? childOf(parsed) : newTrace();
  let ended = false;
  return {
    traceparent: formatTraceparent(ids),
    end(outcome) {
      if (ended || !recorded) return;
      ended = true;
      const properties = Object.fromEntries(Object.entries(outcome.properties ?? {}).map(([key, value]) => [key, typeof value === 'string' ? redactText(value) : value]));
      recorded.end({
        success: outcome.success,
        ...(outcome.resultCode === undefined ? {} : { resultCode: String(outcome.resultCode) }),
        attributes: { ...properties, ...(kind.type === 'http' && outcome.resultCode !== undefined ? { 'http.status_code': Number(outcome.resultCode) } : {}) },
      });
    },
  };
}

function attributesOf(kind: DependencyKind): Record<string, string> {
  switch (kind.type) {
    case 'servicebus':
      return { 'az.namespace': 'Microsoft.ServiceBus', 'messaging.system': 'servicebus', 'messaging.destination.name': kind.entity, 'messaging.operation': 'publish' };
    case 'cosmosdb':
      return { 'db.system': 'cosmosdb', 'db.name': kind.database, 'db.operation': kind.operation };
    case 'http': {
      // The path only: query strings may carry what no log should hold.
      const url = new URL(kind.url);
      return { 'http.method': kind.method, 'http.url': `${url.origin}${url.pathname}` };
    }
  }
}

/** Runs `call` inside a dependency span, ending it with the outcome. */
export async function withDependency<T>(name: string, kind: DependencyKind, call: (span: DependencySpan) => Promise<T>, parent?: string): Promise<T> {
  const span = startDependency(name, kind, parent);
  try {
    const result = await call(span);
    span.end({ success: true });
    return result;
  } catch (error) {
    span.end({ success: false, resultCode: statusOf(error) });
    throw error;
  }
}

function statusOf(error: unknown): string | undefined {
  const failure = error as { statusCode?: unknown; status?: unknown; code?: unknown } | undefined;
  const code = failure?.statusCode ?? failure?.status ?? failure?.code;
  return code === undefined ? undefined : String(code);
}
