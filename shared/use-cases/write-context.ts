import { randomUUID } from 'node:crypto';
import type { InvocationContext } from '@azure/functions';
import type { Principal } from '../auth/roles.js';
import type { EventFacts } from '../domain/task-events.js';

/** Who is writing, and how the write is traced: what every event records. */
export interface WriteContext {
  actor: { userId: string; name: string | null };
  correlationId: string;
  /** W3C traceparent of the invocation, forwarded with published events. */
  traceparent: string | undefined;
  log: { warn(...args: unknown[]): void };
  /** The bulk operation doing the write, if any: recorded on its events. */
  operationId?: string;
}

export function requestWriteContext(principal: Principal, correlationId: string, invocation: InvocationContext): WriteContext {
  return {
    actor: { userId: principal.userId, name: principal.name ?? null },
    correlationId,
    traceparent: invocation.traceContext?.traceParent ?? undefined,
    log: invocation,
  };
}

export function eventFacts(context: WriteContext, now: Date): EventFacts {
  return { eventId: randomUUID(), actor: context.actor, correlationId: context.correlationId, now, ...(context.operationId ? { operationId: context.operationId } : {}) };
}
