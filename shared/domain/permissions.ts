import type { Principal, Role } from '../auth/roles.js';
import { forbidden, notFound } from '../http/api-error.js';
import { TERMINAL_STATUSES, type TaskDocument } from './task-document.js';
import type { TaskChange } from './task-rules.js';

/**
 * Who may do what, in one place. The same rules answer "may this caller do X" when enforcing and
 * "what may this caller do" for `allowedActions`, so a UI never offers what will be refused.
 *
 * - admin: everything, including delete.
 * - manager: reads, creates and updates every task and assigns it to anyone.
 * - caseworker: creates tasks (for themselves or unassigned); sees and updates only tasks
 *   assigned to them, and cannot hand a task to somebody else.
 * - viewer: reads every task, changes nothing.
 */
export const TASK_ACTIONS = ['update', 'assign', 'complete', 'cancel', 'delete'] as const;
export type TaskAction = (typeof TASK_ACTIONS)[number];

const has = (principal: Principal, ...roles: Role[]): boolean => principal.roles.some((role) => roles.includes(role));

export const CREATE_ROLES: readonly Role[] = ['admin', 'manager', 'caseworker'];
export const READ_ROLES: readonly Role[] = ['admin', 'manager', 'caseworker', 'viewer'];
export const UPDATE_ROLES: readonly Role[] = ['admin', 'manager', 'caseworker'];
export const DELETE_ROLES: readonly Role[] = ['admin'];

/** Which tasks a caller can see, in a form the query layer turns into a WHERE clause. */
export type TaskScope = { kind: 'all' } | { kind: 'assignedTo'; userId: string };

export function visibilityScope(principal: Principal): TaskScope {
  if (has(principal, 'admin', 'manager', 'viewer')) return { kind: 'all' };
  return { kind: 'assignedTo', userId: principal.userId };
}

export function canSee(principal: Principal, task: TaskDocument): boolean {
  if (task.deletedAt !== null) return false;
  const scope = visibilityScope(principal);
  return scope.kind === 'all' || task.assignee === scope.userId;
}

/** Resolves "may see it at all": a task the caller cannot see does not exist for them (404, not 403). */
export function assertVisible(principal: Principal, task: TaskDocument | undefined, id: string): asserts task is TaskDocument {
  if (!task || !canSee(principal, task)) throw notFound(`No task ${id} exists that you can see.`);
}

const canEdit = (principal: Principal, task: TaskDocument): boolean =>
  has(principal, 'admin', 'manager') || (has(principal, 'caseworker') && task.assignee === principal.userId);

/** The actions the caller may take on the task now. */
export function allowedActions(principal: Principal, task: TaskDocument): TaskAction[] {
  const actions: TaskAction[] = [];
  const open = !TERMINAL_STATUSES.includes(task.status);
  if (open && canEdit(principal, task)) actions.push('update', 'complete', 'cancel');
  if (open && has(principal, 'admin', 'manager')) actions.push('assign');
  if (has(principal, 'admin')) actions.push('delete');
  return TASK_ACTIONS.filter((action) => actions.includes(action));
}

/** Throws 403 unless the caller may make this change to a task they can see. */
export function assertMayChange(principal: Principal, task: TaskDocument, change: TaskChange): void {
  if (!canEdit(principal, task)) throw forbidden('You may not change this task.');
  const reassigns = change.assignee !== undefined && change.assignee !== task.assignee;
  if (reassigns && !has(principal, 'admin', 'manager') && change.assignee !== null) {
    throw forbidden('Only managers and admins may assign a task to someone else.');
  }
}

export function assertMayDelete(principal: Principal): void {
  if (!has(principal, 'admin')) throw forbidden('Only admins may delete tasks.');
}

/**
 * The assignee of a new task. A caseworker's task is theirs unless they explicitly leave it
 * unassigned; only managers and admins may create a task for somebody else.
 */
export function assigneeForNewTask(principal: Principal, requested: string | null | undefined): string | null {
  const mayAssignOthers = has(principal, 'admin', 'manager');
  if (requested === undefined) return mayAssignOthers ? null : principal.userId;
  if (requested !== null && requested !== principal.userId && !mayAssignOthers) {
    throw forbidden('Only managers and admins may create a task assigned to someone else.');
  }
  return requested;
}
