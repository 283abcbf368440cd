import type { InvocationContext } from '@azure/functions';
import type { Principal } from '../auth/roles.js';
import { newPublishBudget } from '../events/publish-budget.js';
import type { WriteContext } from '../use-cases/write-context.js';

/** The write context of a request: the caller as actor, the request's correlation id and trace. */
export function requestWriteContext(principal: Principal, correlationId: string, invocation: InvocationContext): WriteContext {
  return {
    actor: { userId: principal.userId, name: principal.name ?? null },
    correlationId,
    traceparent: invocation.traceContext?.traceParent ?? undefined,
    log: invocation,
    publishBudget: newPublishBudget(),
  };
}
