import type { Principal } from '../auth/roles.js';
import type { OperationDocument } from '../schemas/operation.js';
import type { Log } from '../telemetry/log.js';
import { newPublishBudget } from '../events/publish-budget.js';
import type { WriteContext } from './write-context.js';

/** How one delivery of a chunk is traced and logged. */
export interface ChunkRun {
  log: Log;
  traceparent: string | undefined;
}

/** The requester as stored on the operation: the worker acts with the scope they had when asking. */
export function requesterOf(operation: OperationDocument): Principal {
  return { ...operation.requester, name: operation.requester.name };
}

/** The write context of the worker's changes: the requester's name and the request's correlation id on every event. */
export function operationWriteContext(operation: OperationDocument, run: ChunkRun): WriteContext {
  return {
    actor: { userId: operation.requester.userId, name: operation.requester.name ?? null },
    correlationId: operation.correlationId,
    traceparent: run.traceparent,
    log: run.log,
    // One budget per chunk: a hanging Service Bus costs the chunk one budget, not one per task.
    publishBudget: newPublishBudget(),
    operationId: operation.id,
  };
}
