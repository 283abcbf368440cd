import type { Principal } from '../auth/roles.js';
import { emptyChunkResult } from '../domain/operation-progress.js';
import { visibilityScope } from '../domain/permissions.js';
import type { StoredUser } from '../domain/user-document.js';
import { canSeeUser } from '../domain/user-rules.js';
import { validationError } from '../errors/app-error.js';
import { MAX_REASSIGN_TASKS, type OperationDocument, type ReassignRequest } from '../schemas/operation.js';
import type { Services } from '../services.js';
import { startOperation, type StartContext, type StartOperationDeps } from './start-operation.js';

/**
 * Starts moving the open tasks of one user to another (or back to the queue). The set of tasks is
 * fixed now, from the requester's scope: tasks given to fromUserId later are not moved. Whether
 * the target may hold each task (jurisdiction, location) is checked per task by the worker.
 */
export async function startReassign(
  deps: StartOperationDeps & Pick<Services, 'tasks' | 'users'>,
  principal: Principal,
  request: ReassignRequest,
  context: StartContext,
): Promise<OperationDocument> {
  await assertUsers(deps, principal, request);
  const taskIds = await deps.tasks.findIds(
    { status: ['pending', 'in_progress'], assignee: request.fromUserId, ...(request.jurisdiction ? { jurisdiction: [request.jurisdiction] } : {}) },
    visibilityScope(principal),
    MAX_REASSIGN_TASKS + 1,
  );
  if (taskIds.length > MAX_REASSIGN_TASKS) {
    throw validationError([
      { in: 'body', field: 'fromUserId', message: `holds more than ${MAX_REASSIGN_TASKS} open tasks you can see: reassign them one jurisdiction at a time` },
    ]);
  }
  return startOperation(deps, {
    work: { type: 'reassign', items: taskIds },
    requester: principal,
    ...context,
    parameters: { fromUserId: request.fromUserId, toUserId: request.toUserId, jurisdiction: request.jurisdiction ?? null },
    settled: emptyChunkResult(),
  });
}

/**
 * fromUserId must be in the directory (it may be deactivated: that is why its work moves); toUserId
 * active. Both must be people the requester may see in the directory (a manager: those sharing one
 * of their jurisdictions; an admin: everyone), and a user outside that scope is answered exactly
 * as an unknown one, so the answer does not reveal who exists elsewhere. An inactive target reads
 * the same as an unknown one too.
 */
async function assertUsers({ users }: Pick<Services, 'users'>, principal: Principal, request: ReassignRequest): Promise<void> {
  const [from, to] = await Promise.all([users.get(request.fromUserId), request.toUserId ? users.get(request.toUserId) : undefined]);
  const visible = (user: StoredUser | undefined): user is StoredUser => user !== undefined && canSeeUser(principal, user.document);
  const errors = [];
  if (!visible(from)) errors.push({ in: 'body' as const, field: 'fromUserId', message: 'is not a user in your work scope' });
  if (request.toUserId && !(visible(to) && to.document.active)) {
    errors.push({ in: 'body' as const, field: 'toUserId', message: 'is not an active user in your work scope' });
  }
  if (errors.length > 0) throw validationError(errors);
}
