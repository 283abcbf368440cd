import { AppError, conflict, validationError } from '../errors/app-error.js';
import { PRIORITIES, type CreateTaskInput, type Priority, type ReplaceTaskInput, type TaskStatus } from '../schemas/task.js';
import { TERMINAL_STATUSES, type TaskDocument } from './task-document.js';

/**
 * The status transition table. Completed and cancelled are terminal: a finished task is never
 * edited in place (the audit trail would stop matching what was done).
 */
export const STATUS_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  pending: ['in_progress', 'completed', 'cancelled'],
  in_progress: ['pending', 'completed', 'cancelled'],
  completed: [],
  cancelled: [],
};

export function canTransition(from: TaskStatus, to: TaskStatus): boolean {
  return from === to || STATUS_TRANSITIONS[from].includes(to);
}

export const priorityRank = (priority: Priority): number => PRIORITIES.indexOf(priority) + 1;

export const searchTextOf = (title: string, description: string): string => `${title}\n${description}`.toLowerCase();

export type TaskChange = Partial<ReplaceTaskInput>;

function assertDueDateInFuture(dueDate: string, now: Date): void {
  if (dueDate <= now.toISOString()) {
    throw validationError([{ in: 'body', field: 'dueDate', message: 'must be in the future' }]);
  }
}

/** A new task document from validated input. The caller has already decided the assignee. */
export function newTaskDocument(
  input: CreateTaskInput,
  facts: { id: string; createdBy: string; assignee: string | null; now: Date },
): TaskDocument {
  assertDueDateInFuture(input.dueDate, facts.now);
  const timestamp = facts.now.toISOString();
  return {
    id: facts.id,
    caseId: input.caseId,
    jurisdiction: input.jurisdiction,
    locationId: input.locationId,
    title: input.title,
    description: input.description,
    status: 'pending',
    priority: input.priority,
    priorityRank: priorityRank(input.priority),
    dueDate: input.dueDate,
    assignee: facts.assignee,
    createdBy: facts.createdBy,
    createdAt: timestamp,
    updatedAt: timestamp,
    completedAt: null,
    cancelledAt: null,
    cancellationReason: null,
    deletedAt: null,
    overdue: false,
    overdueSince: null,
    searchText: searchTextOf(input.title, input.description),
    // Version 0 until its creation event is recorded (recordEvent makes it 1).
    version: 0,
    lastEventHash: null,
    pendingEvents: [],
    outboxSince: null,
    schemaVersion: 1,
  };
}

/**
 * Applies a change to a task, enforcing the lifecycle rules: terminal tasks are read-only, the
 * status moves only along the transition table, work in progress has an owner, and a due date
 * that is moved must move into the future. Returns the new document; the input is not modified.
 * A change that alters nothing (every value as it is) returns `current` itself, so the caller can
 * tell "nothing to do" by identity and write nothing: no new version, no event, the same ETag.
 */
export function applyTaskChange(current: TaskDocument, change: TaskChange, now: Date): TaskDocument {
  if (TERMINAL_STATUSES.includes(current.status)) {
    throw conflict(`The task is ${current.status} and can no longer be changed.`);
  }
  const next: TaskDocument = { ...current, ...definedOnly(change) };
  if (changedFields(current, next).length === 0) return current;

  if (!canTransition(current.status, next.status)) {
    const allowed = STATUS_TRANSITIONS[current.status].join(', ') || 'none';
    throw new AppError('conflict', `A task cannot move from ${current.status} to ${next.status} (allowed: ${allowed}).`, {
      errors: [{ in: 'body', field: 'status', message: `cannot move from ${current.status} to ${next.status}` }],
    });
  }
  if (next.status === 'in_progress' && next.assignee === null) {
    throw new AppError('conflict', 'A task in progress must have an assignee.', {
      errors: [{ in: 'body', field: 'assignee', message: 'is required while the task is in_progress' }],
    });
  }
  if (next.dueDate !== current.dueDate) assertDueDateInFuture(next.dueDate, now);

  const timestamp = now.toISOString();
  next.priorityRank = priorityRank(next.priority);
  next.searchText = searchTextOf(next.title, next.description);
  if (next.status === 'completed' && current.status !== 'completed') next.completedAt = timestamp;
  if (next.status === 'cancelled' && current.status !== 'cancelled') next.cancelledAt = timestamp;
  // Finishing a task, or moving its due date (always into the future), ends its overdue state.
  if (next.overdue && (TERMINAL_STATUSES.includes(next.status) || next.dueDate !== current.dueDate)) {
    next.overdue = false;
    next.overdueSince = null;
  }
  next.updatedAt = timestamp;
  return next;
}

/**
 * Brings a completed or cancelled task back to pending (the reopen action, managers only). The
 * assignee stays, so the person who did the work sees it again; the finish stamps are cleared
 * (the audit trail keeps them).
 */
export function reopenTask(current: TaskDocument, now: Date): TaskDocument {
  if (!TERMINAL_STATUSES.includes(current.status)) throw conflict(`The task is ${current.status}; only finished tasks can be reopened.`);
  const timestamp = now.toISOString();
  return { ...current, status: 'pending', completedAt: null, cancelledAt: null, cancellationReason: null, updatedAt: timestamp };
}

/** Whether overdue processing should flag the task now: open, not deleted, past due, not yet flagged. */
export function isNewlyOverdue(task: TaskDocument, now: Date): boolean {
  return !TERMINAL_STATUSES.includes(task.status) && task.deletedAt === null && !task.overdue && task.dueDate < now.toISOString();
}

export function markOverdue(task: TaskDocument, now: Date): TaskDocument {
  const timestamp = now.toISOString();
  return { ...task, overdue: true, overdueSince: timestamp, updatedAt: timestamp };
}

/** Keys whose value is undefined mean "not given" in a merge patch, never "set to undefined". */
function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The names of the fields whose values differ: what an update actually changed. */
export function changedFields(before: TaskDocument, after: TaskDocument): string[] {
  const fields: (keyof TaskDocument)[] = [
    'locationId',
    'title',
    'description',
    'status',
    'priority',
    'dueDate',
    'assignee',
    'overdue',
    'deletedAt',
    'cancellationReason',
  ];
  return fields.filter((field) => before[field] !== after[field]);
}
