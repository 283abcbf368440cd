import type { Principal, Role } from '../auth/roles.js';
import { AppError, forbidden, notFound } from '../errors/app-error.js';
import { TERMINAL_STATUSES, type TaskDocument } from './task-document.js';
import type { TaskChange } from './task-rules.js';

/**
 * Who may do what, in one place. The same rules answer "may this caller do X" when enforcing and
 * "what may this caller do" for `allowedActions`, so a UI never offers what will be refused.
 *
 * Scope: everyone but an admin works within the jurisdictions (and locations, where set) of
 * their directory entry, and never sees a task outside it.
 * - admin: everything, everywhere, including delete.
 * - manager: every task in scope: create, update, assign, complete, cancel, reopen, claim.
 * - caseworker: tasks in scope that are assigned to them or unassigned (the available queue):
 *   creates, claims, unclaims; updates, completes and cancels their own tasks.
 * - viewer: reads every task in scope.
 */
export const TASK_ACTIONS = ['claim', 'unclaim', 'assign', 'complete', 'cancel', 'reopen', 'update', 'delete'] as const;
export type TaskAction = (typeof TASK_ACTIONS)[number];

const has = (principal: Principal, ...roles: Role[]): boolean => principal.roles.some((role) => roles.includes(role));

export const CREATE_ROLES: readonly Role[] = ['admin', 'manager', 'caseworker'];
export const READ_ROLES: readonly Role[] = ['admin', 'manager', 'caseworker', 'viewer'];
export const UPDATE_ROLES: readonly Role[] = ['admin', 'manager', 'caseworker'];
export const MANAGE_ROLES: readonly Role[] = ['admin', 'manager'];
export const ADMIN_ROLES: readonly Role[] = ['admin'];

/**
 * What a caller may do in general, by capability: the role gates of the endpoints use these lists,
 * and `GET /users/me` reports them (task rights are per task: allowedActions).
 */
export const CAPABILITY_ROLES = {
  createTasks: CREATE_ROLES,
  claimTasks: CREATE_ROLES,
  assignTasks: MANAGE_ROLES,
  reopenTasks: MANAGE_ROLES,
  deleteTasks: ADMIN_ROLES,
  viewUsers: MANAGE_ROLES,
  manageUsers: ADMIN_ROLES,
  bulkOperations: MANAGE_ROLES,
  deadLetters: ADMIN_ROLES,
} as const satisfies Record<string, readonly Role[]>;

export type Capability = keyof typeof CAPABILITY_ROLES;

export function generalPermissions(principal: Principal): Record<Capability, boolean> {
  return Object.fromEntries(Object.entries(CAPABILITY_ROLES).map(([capability, roles]) => [capability, has(principal, ...roles)])) as Record<Capability, boolean>;
}

/** Which tasks a caller can see, in a form the query layer turns into WHERE clauses. */
export type TaskScope =
  | { kind: 'all' }
  | {
      kind: 'scoped';
      jurisdictions: readonly string[];
      /** Empty: every location in those jurisdictions. */
      locations: readonly string[];
      /** Caseworkers: only tasks assigned to this user or to nobody. */
      ownOrUnassignedFor?: string;
    };

export function visibilityScope(principal: Principal): TaskScope {
  if (has(principal, 'admin')) return { kind: 'all' };
  const jurisdictions = principal.workScope?.jurisdictions ?? [];
  const locations = principal.workScope?.locations ?? [];
  if (has(principal, 'manager', 'viewer')) return { kind: 'scoped', jurisdictions, locations };
  return { kind: 'scoped', jurisdictions, locations, ownOrUnassignedFor: principal.userId };
}

/** Whether the task lies in the caller's jurisdictions and locations. */
export function inWorkScope(principal: Principal, task: Pick<TaskDocument, 'jurisdiction' | 'locationId'>): boolean {
  if (has(principal, 'admin')) return true;
  const scope = principal.workScope;
  if (!scope) return false;
  return scope.jurisdictions.includes(task.jurisdiction) && (scope.locations.length === 0 || scope.locations.includes(task.locationId));
}

export function canSee(principal: Principal, task: TaskDocument): boolean {
  if (task.deletedAt !== null) return false;
  const scope = visibilityScope(principal);
  if (scope.kind === 'all') return true;
  if (!inWorkScope(principal, task)) return false;
  return !scope.ownOrUnassignedFor || task.assignee === null || task.assignee === scope.ownOrUnassignedFor;
}

/** Resolves "may see it at all": a task the caller cannot see does not exist for them (404, not 403). */
export function assertVisible(principal: Principal, task: TaskDocument | undefined, id: string): asserts task is TaskDocument {
  if (!task || !canSee(principal, task)) throw notFound(`No task ${id} exists that you can see.`);
}

/** Manages the task: an admin, or a manager whose scope holds it. */
const manages = (principal: Principal, task: TaskDocument): boolean =>
  has(principal, 'admin') || (has(principal, 'manager') && inWorkScope(principal, task));

const isOpen = (task: TaskDocument): boolean => !TERMINAL_STATUSES.includes(task.status);
const ownsTask = (principal: Principal, task: TaskDocument): boolean => task.assignee === principal.userId;

/**
 * For each action: whether the caller's roles could ever allow it on this task (else 403), and
 * whether the task's current state allows it now (else 409, with the reason).
 */
const RULES: Record<TaskAction, { role: (p: Principal, t: TaskDocument) => boolean; state: (p: Principal, t: TaskDocument) => string | null }> = {
  claim: {
    role: (p, t) => manages(p, t) || (has(p, 'caseworker') && inWorkScope(p, t)),
    state: (_, t) => (!isOpen(t) ? `the task is ${t.status}` : t.assignee !== null ? `the task is already assigned to ${t.assignee}` : null),
  },
  unclaim: {
    role: (p, t) => manages(p, t) || has(p, 'caseworker'),
    state: (p, t) => (!isOpen(t) ? `the task is ${t.status}` : !ownsTask(p, t) ? `the task is not assigned to you (assignee: ${t.assignee ?? 'nobody'})` : null),
  },
  assign: { role: manages, state: (_, t) => (!isOpen(t) ? `the task is ${t.status}` : null) },
  complete: {
    role: (p, t) => manages(p, t) || has(p, 'caseworker'),
    state: (p, t) => (!isOpen(t) ? `the task is ${t.status}` : !manages(p, t) && !ownsTask(p, t) ? 'claim the task first' : null),
  },
  cancel: {
    role: (p, t) => manages(p, t) || has(p, 'caseworker'),
    state: (p, t) => (!isOpen(t) ? `the task is ${t.status}` : !manages(p, t) && !ownsTask(p, t) ? 'claim the task first' : null),
  },
  reopen: { role: manages, state: (_, t) => (isOpen(t) ? `the task is ${t.status}, not completed or cancelled` : null) },
  update: {
    role: (p, t) => manages(p, t) || has(p, 'caseworker'),
    state: (p, t) => (!isOpen(t) ? `the task is ${t.status}` : !manages(p, t) && !ownsTask(p, t) ? 'claim the task first' : null),
  },
  delete: { role: (p) => has(p, 'admin'), state: () => null },
};

/** The actions the caller may take on the task now. */
export function allowedActions(principal: Principal, task: TaskDocument): TaskAction[] {
  if (!canSee(principal, task)) return [];
  return TASK_ACTIONS.filter((action) => RULES[action].role(principal, task) && RULES[action].state(principal, task) === null);
}

/**
 * A claimant who lost a race for a task from the available queue no longer "sees" it (it is now
 * someone else's), yet must be told who won (409), not that it vanished (404). So for claim, any
 * task in the caller's scope counts as visible; the holder it reveals is within their own scope.
 */
function visibleFor(principal: Principal, action: TaskAction, task: TaskDocument): boolean {
  if (canSee(principal, task)) return true;
  return action === 'claim' && task.deletedAt === null && has(principal, 'caseworker', 'manager') && inWorkScope(principal, task);
}

/** 404 if the caller cannot see the task, 403 if their roles never allow the action, 409 if the task's state does not. */
export function assertAllowed(principal: Principal, action: TaskAction, task: TaskDocument | undefined, id: string): asserts task is TaskDocument {
  assertMayAttempt(principal, action, task, id);
  assertStateAllows(principal, action, task);
}

/**
 * The part of assertAllowed that does not depend on the task's state: 404 if the caller cannot see
 * the task, 403 if their roles never allow the action. A write checks its precondition (If-Match)
 * between this and assertStateAllows (shared/use-cases/conditional-write.ts).
 */
export function assertMayAttempt(principal: Principal, action: TaskAction, task: TaskDocument | undefined, id: string): asserts task is TaskDocument {
  if (!task || !visibleFor(principal, action, task)) throw notFound(`No task ${id} exists that you can see.`);
  if (!RULES[action].role(principal, task)) throw forbidden(`You may not ${action} this task.`);
}

/** 409 if the task's current state does not allow the action now (terminal, someone else's...). */
export function assertStateAllows(principal: Principal, action: TaskAction, task: TaskDocument): void {
  const reason = RULES[action].state(principal, task);
  if (reason) throw new AppError('conflict', `Cannot ${action} the task: ${reason}.`);
}

/**
 * The extra rules for a PATCH/PUT: who may move the assignee. Giving a task to someone else is an
 * assignment (managers and admins); a caseworker may only let go of their own task.
 */
export function assertMayChange(principal: Principal, task: TaskDocument, change: TaskChange): void {
  const reassigns = change.assignee !== undefined && change.assignee !== task.assignee;
  if (!reassigns) return;
  if (change.assignee === null && ownsTask(principal, task)) return;
  if (!manages(principal, task)) throw forbidden('Only managers and admins may assign a task to someone else.');
}

/**
 * The assignee of a new task. A caseworker's task is theirs unless they explicitly leave it
 * unassigned; only managers and admins may create a task for somebody else. The task must lie in
 * the creator's scope.
 */
export function assigneeForNewTask(principal: Principal, task: Pick<TaskDocument, 'jurisdiction' | 'locationId'>, requested: string | null | undefined): string | null {
  if (!inWorkScope(principal, task)) {
    throw forbidden(`You cannot create tasks in ${task.jurisdiction} at location ${task.locationId}: it is outside your work scope.`);
  }
  const mayAssignOthers = has(principal, 'admin', 'manager');
  if (requested === undefined) return mayAssignOthers ? null : principal.userId;
  if (requested !== null && requested !== principal.userId && !mayAssignOthers) {
    throw forbidden('Only managers and admins may create a task assigned to someone else.');
  }
  return requested;
}
