import { SERVICE_BUS_DELIVERY } from '../config/entities.js';
import { chunkDocumentId } from '../domain/operation-chunks.js';
import { markRunning, mergeChunkResult } from '../domain/operation-progress.js';
import type { ChunkDocument, ChunkMessage, ChunkResult, OperationDocument } from '../schemas/operation.js';
import type { Services } from '../services.js';
import { importChunk } from './import-chunk.js';
import { operationWriteContext, type ChunkRun } from './operation-requester.js';
import { reassignChunk } from './reassign-chunk.js';
import { requestBulkReassignmentSummary } from './request-notifications.js';
import { updateOperation } from './update-operation.js';

export type ChunkOutcome = 'processed' | 'already-done' | 'aborted';

/**
 * Processes one chunk of an operation and merges its result, exactly once in effect:
 * - a chunk already in the operation's done set is ignored (a redelivery, a resend);
 * - otherwise its items are processed (each item idempotent), then counts, errors and the chunk
 *   number are written in one ETag-conditioned replace, so a crash before that write just means
 *   the chunk is processed again and counted then, and a crash after it finds the chunk done.
 * On the last delivery attempt a chunk that still fails is recorded as aborted (its items failed)
 * instead of being dead-lettered silently, so the operation ends as `failed` rather than running forever.
 */
export type ProcessChunkDeps = Pick<Services, 'operations' | 'tasks' | 'messaging' | 'users' | 'reference' | 'now'>;

export async function processChunk(
  deps: ProcessChunkDeps,
  message: ChunkMessage,
  run: ChunkRun,
  deliveryCount: number,
): Promise<ChunkOutcome> {
  const { now } = deps;
  const isDone = (operation: OperationDocument) => operation.doneChunks.includes(message.chunk);
  // A chunk number the operation does not have is never counted, not even as aborted: it would overrun the totals.
  const isUnknown = (operation: OperationDocument) => message.chunk >= operation.progress.totalChunks;
  const operation = await updateOperation(deps, message.operationId, (current) =>
    isDone(current) || isUnknown(current) ? undefined : markRunning(current, now()),
  );
  if (isDone(operation)) {
    // A finished operation's summary emails may not have been asked for yet (a crash after its last merge).
    await requestBulkReassignmentSummary(deps, operation);
    return 'already-done';
  }
  if (isUnknown(operation)) throw new Error(`operation ${operation.id} has no chunk ${message.chunk}`);

  let chunk: ChunkDocument | undefined;
  let result: ChunkResult;
  let aborted = false;
  try {
    chunk = await loadChunk(deps, message);
    result = await runChunk(deps, chunk, operation, run);
  } catch (error) {
    if (deliveryCount < SERVICE_BUS_DELIVERY.maxDeliveryCount) throw error;
    run.log.error(`Chunk ${message.chunk} of operation ${message.operationId} failed on its last delivery; recording it as aborted.`, error);
    result = abortedResult(message, error, chunk?.items.length ?? 0);
    aborted = true;
  }
  const merged = await updateOperation(deps, message.operationId, (current) => mergeChunkResult(current, message.chunk, result, now(), aborted));
  await requestBulkReassignmentSummary(deps, merged);
  return aborted ? 'aborted' : 'processed';
}

async function loadChunk(deps: Pick<Services, 'operations'>, message: ChunkMessage): Promise<ChunkDocument> {
  const chunk = await deps.operations.getChunk(chunkDocumentId(message.operationId, message.chunk));
  if (!chunk) throw new Error(`chunk ${message.chunk} of operation ${message.operationId} does not exist`);
  return chunk;
}

function runChunk(deps: ProcessChunkDeps, chunk: ChunkDocument, operation: OperationDocument, run: ChunkRun): Promise<ChunkResult> {
  return chunk.type === 'reassign'
    ? reassignChunk(deps, chunk.items, operation, operationWriteContext(operation, run))
    : importChunk(deps, chunk.items, operation);
}

function abortedResult(message: ChunkMessage, error: unknown, items: number): ChunkResult {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    succeeded: 0,
    failed: items,
    skipped: 0,
    errors: [{ item: `chunk ${message.chunk}`, message: `could not be processed after ${SERVICE_BUS_DELIVERY.maxDeliveryCount} attempts (${items} items): ${reason}` }],
  };
}
