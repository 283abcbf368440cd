import { QUEUES } from '../config/entities.js';
import { chunkMessageId } from '../domain/operation-chunks.js';
import type { ChunkMessage, OperationDocument } from '../schemas/operation.js';
import type { Services } from '../services.js';
import { withinBudget } from '../events/publish-budget.js';
import { updateOperation } from './update-operation.js';

/**
 * Sends one `operations` queue message per chunk not yet done, then records that the operation is
 * dispatched. Safe to repeat (the request does it, and the dispatch relay after a failure): the
 * messageId is derived from the chunk, so Service Bus drops a resend inside its duplicate
 * detection window, and the worker ignores a chunk already recorded after it.
 *
 * `sendBudgetMs` (on the request path) bounds the send: past it the send is aborted and this
 * fails, leaving `dispatchedAt` unset for the dispatch relay.
 */
export async function dispatchOperation(
  deps: Pick<Services, 'messaging' | 'operations' | 'now'>,
  operation: OperationDocument,
  sendBudgetMs?: number,
): Promise<OperationDocument> {
  const { messaging, now } = deps;
  const pending = Array.from({ length: operation.progress.totalChunks }, (_, chunk) => chunk).filter((chunk) => !operation.doneChunks.includes(chunk));
  const send = (abortSignal?: AbortSignal) =>
    messaging.send(
      QUEUES.operations.name,
      pending.map((chunk) => ({
        messageId: chunkMessageId(operation.id, chunk),
        body: { operationId: operation.id, chunk } satisfies ChunkMessage,
        subject: `operation.${operation.type}`,
        correlationId: operation.correlationId,
      })),
      { abortSignal },
    );
  await (sendBudgetMs === undefined ? send() : withinBudget(sendBudgetMs, send));
  return updateOperation(deps, operation.id, (current) => (current.dispatchedAt ? undefined : { ...current, dispatchedAt: now().toISOString() }));
}
