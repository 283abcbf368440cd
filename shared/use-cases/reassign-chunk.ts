import { emptyChunkResult } from '../domain/operation-progress.js';
import { TERMINAL_STATUSES } from '../domain/task-document.js';
import { AppError } from '../errors/app-error.js';
import type { ChunkResult, OperationDocument, OperationError, ReassignParameters } from '../schemas/operation.js';
import { isPreconditionFailed } from '../store/cosmos-errors.js';
import { requesterOf } from './operation-requester.js';
import { performTaskAction, type TaskActionDeps } from './task-actions.js';
import type { WriteContext } from './write-context.js';

type Outcome = { kind: 'succeeded' | 'skipped' } | { kind: 'failed'; error: OperationError };

/** Tries per task when it keeps changing under us between the read and the conditioned write. */
const ATTEMPTS = 3;

/**
 * Reassigns the tasks of one chunk, one at a time, each through the same atomic path as
 * `POST /tasks/{id}/assign` (so each move is checked, conditioned, and emits an audited
 * `task.assigned`). Counting is designed to come out the same when a chunk is processed again
 * after a crash: a task already with the target counts as succeeded, not skipped.
 * Errors that are not about the task (the database unavailable) are thrown: the whole chunk is retried.
 */
export async function reassignChunk(deps: TaskActionDeps, taskIds: readonly string[], operation: OperationDocument, context: WriteContext): Promise<ChunkResult> {
  const { parameters } = operation;
  if (!('fromUserId' in parameters)) throw new Error(`operation ${operation.id} is not a reassignment`);
  const result = emptyChunkResult();
  for (const taskId of taskIds) {
    const outcome = await reassignTask(deps, taskId, parameters, operation, context);
    result[outcome.kind] += 1;
    if (outcome.kind === 'failed') result.errors.push(outcome.error);
  }
  return result;
}

async function reassignTask(
  deps: TaskActionDeps,
  taskId: string,
  parameters: ReassignParameters,
  operation: OperationDocument,
  context: WriteContext,
): Promise<Outcome> {
  const { tasks } = deps;
  for (let attempt = 1; ; attempt++) {
    const stored = await tasks.get(taskId);
    const task = stored?.document;
    if (!stored || !task || task.deletedAt !== null) return { kind: 'skipped' };
    if (task.assignee === parameters.toUserId) return { kind: 'succeeded' };
    if (task.assignee !== parameters.fromUserId || TERMINAL_STATUSES.includes(task.status)) return { kind: 'skipped' };
    try {
      // If-Match on the version just read: the move happens only if the task is still fromUserId's.
      await performTaskAction(deps, requesterOf(operation), taskId, 'assign', stored.etag, { userId: parameters.toUserId }, context);
      return { kind: 'succeeded' };
    } catch (error) {
      if (isPreconditionFailed(error) && attempt < ATTEMPTS) continue;
      if (!(error instanceof AppError) || error.kind === 'unavailable') throw error;
      return { kind: 'failed', error: taskError(taskId, error) };
    }
  }
}

/** The target's unsuitability (assertAssignable) names toUserId; anything else is about the task. */
function taskError(taskId: string, error: AppError): OperationError {
  const reason = error.options.errors?.[0];
  return reason ? { item: taskId, field: 'toUserId', message: reason.message } : { item: taskId, message: error.detail };
}
