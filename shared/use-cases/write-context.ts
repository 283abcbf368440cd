import { randomUUID } from 'node:crypto';
import type { EventFacts } from '../domain/task-events.js';
import type { PublishBudget } from '../events/publish-budget.js';
import { parseTraceparent } from '../telemetry/trace-context.js';

/** Who is writing, and how the write is traced: what every event records. */
export interface WriteContext {
  actor: { userId: string; name: string | null };
  correlationId: string;
  /** W3C traceparent of the invocation, forwarded with published events. */
  traceparent: string | undefined;
  log: { warn(...args: unknown[]): void };
  /** How long this request (or invocation) may wait for Service Bus after its writes. */
  publishBudget: PublishBudget;
  /** The bulk operation doing the write, if any: recorded on its events. */
  operationId?: string;
}

export function eventFacts(context: WriteContext, now: Date): EventFacts {
  return {
    eventId: randomUUID(),
    actor: context.actor,
    correlationId: context.correlationId,
    now,
    ...(context.operationId ? { operationId: context.operationId } : {}),
    ...(parseTraceparent(context.traceparent) ? { traceparent: context.traceparent } : {}),
  };
}
