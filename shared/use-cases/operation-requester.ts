import type { InvocationContext } from '@azure/functions';
import type { Principal } from '../auth/roles.js';
import type { OperationDocument } from '../schemas/operation.js';
import type { WriteContext } from './write-context.js';

/** The requester as stored on the operation: the worker acts with the scope they had when asking. */
export function requesterOf(operation: OperationDocument): Principal {
  return { ...operation.requester, name: operation.requester.name };
}

/** The write context of the worker's changes: the requester's name and the request's correlation id on every event. */
export function operationWriteContext(operation: OperationDocument, invocation: InvocationContext): WriteContext {
  return {
    actor: { userId: operation.requester.userId, name: operation.requester.name ?? null },
    correlationId: operation.correlationId,
    traceparent: invocation.traceContext?.traceParent ?? undefined,
    log: invocation,
    operationId: operation.id,
  };
}
