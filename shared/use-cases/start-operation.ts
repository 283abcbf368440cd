import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/roles.js';
import { chunkDocuments, type OperationWork } from '../domain/operation-chunks.js';
import { newOperation } from '../domain/operation-progress.js';
import type { ChunkResult, OperationDocument, OperationView } from '../schemas/operation.js';
import type { Services } from '../services.js';
import { newPublishBudget, type PublishBudget } from '../events/publish-budget.js';
import { dispatchOperation } from './dispatch-operation.js';

/** What starting an operation needs from the request. */
export interface StartContext {
  correlationId: string;
  log: { warn(...args: unknown[]): void };
  /** The request's Service Bus budget (see PublishBudget); a new one when not given. */
  publishBudget?: PublishBudget;
}

export interface StartOperation extends StartContext {
  work: OperationWork;
  requester: Principal;
  parameters: OperationView['parameters'];
  /** Items settled at request time (rejected import rows). */
  settled: ChunkResult;
}

/**
 * Stores an operation and queues its chunks. Order matters for crash safety: the chunks are written
 * first (unreferenced until the operation exists), then the operation, then the messages. A crash
 * before the operation is written leaves only orphan chunks and the request fails; a crash or a
 * Service Bus outage after it leaves `dispatchedAt` null, and the dispatch relay sends the messages.
 */
export type StartOperationDeps = Pick<Services, 'operations' | 'messaging' | 'now'>;

export async function startOperation(deps: StartOperationDeps, input: StartOperation): Promise<OperationDocument> {
  const { operations, now } = deps;
  const id = randomUUID();
  const chunks = chunkDocuments(id, input.work);
  await operations.putChunks(chunks);
  const operation = newOperation({ ...input, id, type: input.work.type, totalItems: input.work.items.length + settledCount(input.settled), totalChunks: chunks.length, now: now() });
  await operations.create(operation);
  if (operation.dispatchedAt) return operation;
  const budget = input.publishBudget ?? newPublishBudget();
  try {
    // Bounded like the publish after a task write: a hanging Service Bus must not hold the request.
    return await dispatchOperation(deps, operation, budget.perPublishMs);
  } catch (error) {
    // The operation is stored and will run: answering 202 is true. The relay sends the chunks.
    input.log.warn(`Queueing the chunks of operation ${id} failed; the dispatch relay will retry.`, error instanceof Error ? error.message : error);
    return operation;
  }
}

const settledCount = (settled: ChunkResult): number => settled.succeeded + settled.failed + settled.skipped;
