import type { Principal } from '../auth/roles.js';
import { assertMayAttempt, assertStateAllows, type TaskAction } from '../domain/permissions.js';
import type { StoredTask, TaskDocument } from '../domain/task-document.js';
import { recordEvent } from '../domain/task-events.js';
import { applyTaskChange, reopenTask } from '../domain/task-rules.js';
import { publishAfterWrite } from '../events/outbox.js';
import type { TaskEventType } from '../schemas/event.js';
import type { Services } from '../services.js';
import { callerWrite } from './conditional-write.js';
import { assertAssignable } from './reference-checks.js';
import { eventFacts, type WriteContext } from './write-context.js';

export type WorkflowAction = Exclude<TaskAction, 'update' | 'delete'>;

export interface ActionInput {
  /** assign: the new assignee, or null to unassign. */
  userId?: string | null;
  /** cancel: why. */
  reason?: string;
}

const EVENT_TYPES: Record<WorkflowAction, TaskEventType> = {
  claim: 'task.claimed',
  unclaim: 'task.unclaimed',
  assign: 'task.assigned',
  complete: 'task.completed',
  cancel: 'task.cancelled',
  reopen: 'task.reopened',
};

/** What each action does to the task, once it is allowed. */
function nextState(action: WorkflowAction, principal: Principal, task: TaskDocument, input: ActionInput, now: Date): TaskDocument {
  switch (action) {
    case 'claim':
      return applyTaskChange(task, { assignee: principal.userId, status: 'in_progress' }, now);
    case 'unclaim':
      return applyTaskChange(task, { assignee: null, status: 'pending' }, now);
    case 'assign': {
      const assignee = input.userId ?? null;
      // Work in progress needs an owner: unassigning puts the task back in the queue.
      return applyTaskChange(task, { assignee, ...(assignee === null ? { status: 'pending' as const } : {}) }, now);
    }
    case 'complete':
      return applyTaskChange(task, { status: 'completed' }, now);
    case 'cancel':
      return { ...applyTaskChange(task, { status: 'cancelled' }, now), cancellationReason: input.reason ?? null };
    case 'reopen':
      return reopenTask(task, now);
  }
}

/**
 * A workflow action on one task, atomically: the decision is made on the state read and written
 * only if that state is still current, so of two claimants racing for one task exactly one wins
 * and the other is told who holds it (409). If-Match is optional here; when sent, a stale one is
 * a 412 as everywhere else, before any 409 about the task's state. An action that changes nothing (assigning a task to its assignee)
 * writes nothing and returns the task as it is.
 */
export type TaskActionDeps = Pick<Services, 'tasks' | 'messaging' | 'users' | 'now'>;

export async function performTaskAction(
  deps: TaskActionDeps,
  principal: Principal,
  id: string,
  action: WorkflowAction,
  ifMatch: string | null,
  input: ActionInput,
  context: WriteContext,
): Promise<StoredTask> {
  let snapshot: StoredTask | undefined;
  if (action === 'assign' && input.userId) {
    // May this caller assign this task at all (404/403)? Only then is the directory consulted,
    // so the answer tells someone who may not assign nothing about the user they named. The task
    // read here is also what the first conditioned write decides on (one read per action).
    snapshot = await deps.tasks.get(id);
    assertMayAttempt(principal, action, snapshot?.document, id);
    await assertAssignable(deps, input.userId, snapshot.document, { in: 'body', field: 'userId' });
  }
  const result = await callerWrite(
    deps.tasks,
    id,
    {
      authorize: (task) => assertMayAttempt(principal, action, task, id),
      ifMatch: { header: ifMatch, required: false },
      decide: (current) => {
        assertStateAllows(principal, action, current.document);
        const now = deps.now();
        const next = nextState(action, principal, current.document, input, now);
        // Assigning a task to whoever already holds it (or unassigning an unassigned one) changes nothing.
        if (next === current.document) return undefined;
        return recordEvent(current.document, next, { ...eventFacts(context, now), type: EVENT_TYPES[action] });
      },
    },
    snapshot,
  );
  if (!result.written) return result.after;
  await publishAfterWrite(result.after, deps, context);
  return result.after;
}
