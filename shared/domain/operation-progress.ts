import type { Principal } from '../auth/roles.js';
import type {
  ChunkResult,
  OperationDocument,
  OperationError,
  OperationStatus,
  OperationType,
  OperationView,
} from '../schemas/operation.js';

/**
 * The pure bookkeeping of an operation: its first state, and how each chunk's result is folded in.
 * The store writes what these return with an ETag condition, so a chunk is counted exactly once
 * however often it is processed (docs/operations.md).
 */

/** Errors kept on the operation: it is one Cosmos document (2 MB cap), and nobody reads 10,000 errors. */
export const MAX_OPERATION_ERRORS = 500;

/** A chunk result with nothing counted yet, for a processor to add to. */
export const emptyChunkResult = (): ChunkResult => ({ succeeded: 0, failed: 0, skipped: 0, errors: [] });

export interface NewOperation {
  id: string;
  type: OperationType;
  requester: Principal;
  correlationId: string;
  parameters: OperationView['parameters'];
  totalItems: number;
  totalChunks: number;
  /** Items already settled when the request was made (import rows that failed validation). */
  settled: ChunkResult;
  now: Date;
}

export function newOperation(input: NewOperation): OperationDocument {
  const at = input.now.toISOString();
  const { errors, omittedErrors } = appendErrors([], 0, input.settled.errors);
  const operation: OperationDocument = {
    id: input.id,
    docType: 'operation',
    type: input.type,
    status: 'queued',
    requestedBy: { userId: input.requester.userId, name: input.requester.name ?? null },
    requester: {
      userId: input.requester.userId,
      ...(input.requester.name === undefined ? {} : { name: input.requester.name }),
      roles: [...input.requester.roles],
      ...(input.requester.workScope
        ? { workScope: { jurisdictions: [...input.requester.workScope.jurisdictions], locations: [...input.requester.workScope.locations] } }
        : {}),
    },
    correlationId: input.correlationId,
    parameters: input.parameters,
    createdAt: at,
    updatedAt: at,
    completedAt: null,
    progress: {
      totalItems: input.totalItems,
      processedItems: input.settled.succeeded + input.settled.failed + input.settled.skipped,
      succeeded: input.settled.succeeded,
      failed: input.settled.failed,
      skipped: input.settled.skipped,
      totalChunks: input.totalChunks,
      completedChunks: 0,
    },
    errors,
    omittedErrors,
    doneChunks: [],
    abortedChunks: [],
    dispatchedAt: null,
  };
  // Nothing to process: the operation is finished the moment it exists.
  return input.totalChunks === 0 ? { ...operation, status: finalStatus(operation), completedAt: at, dispatchedAt: at } : operation;
}

/** queued → running when a worker first picks up a chunk; undefined when there is nothing to change. */
export function markRunning(operation: OperationDocument, now: Date): OperationDocument | undefined {
  if (operation.status !== 'queued') return undefined;
  return { ...operation, status: 'running', updatedAt: now.toISOString() };
}

/**
 * Adds one chunk's counts and errors and records the chunk as done, in one new document. Returns
 * undefined when the chunk is already recorded: that is what makes a redelivered chunk harmless.
 * `aborted`: the chunk could not be processed at all; its items are counted failed.
 */
export function mergeChunkResult(
  operation: OperationDocument,
  chunk: number,
  result: ChunkResult,
  now: Date,
  aborted = false,
): OperationDocument | undefined {
  if (operation.doneChunks.includes(chunk)) return undefined;
  const at = now.toISOString();
  const { progress } = operation;
  const { errors, omittedErrors } = appendErrors(operation.errors, operation.omittedErrors, result.errors);
  const next: OperationDocument = {
    ...operation,
    updatedAt: at,
    progress: {
      ...progress,
      processedItems: progress.processedItems + result.succeeded + result.failed + result.skipped,
      succeeded: progress.succeeded + result.succeeded,
      failed: progress.failed + result.failed,
      skipped: progress.skipped + result.skipped,
      completedChunks: progress.completedChunks + 1,
    },
    errors,
    omittedErrors,
    doneChunks: [...operation.doneChunks, chunk],
    abortedChunks: aborted ? [...operation.abortedChunks, chunk] : operation.abortedChunks,
  };
  const finished = next.progress.completedChunks >= next.progress.totalChunks;
  return finished ? { ...next, status: finalStatus(next), completedAt: at } : { ...next, status: 'running' };
}

/** failed: some chunk could not be processed; completed_with_errors: some items failed; else succeeded. */
export function finalStatus(operation: Pick<OperationDocument, 'abortedChunks' | 'progress'>): OperationStatus {
  if (operation.abortedChunks.length > 0) return 'failed';
  return operation.progress.failed > 0 ? 'completed_with_errors' : 'succeeded';
}

/** Appends errors up to MAX_OPERATION_ERRORS and counts the ones that do not fit. */
export function appendErrors(
  existing: readonly OperationError[],
  omitted: number,
  added: readonly OperationError[],
): { errors: OperationError[]; omittedErrors: number } {
  const room = Math.max(0, MAX_OPERATION_ERRORS - existing.length);
  return { errors: [...existing, ...added.slice(0, room)], omittedErrors: omitted + Math.max(0, added.length - room) };
}
