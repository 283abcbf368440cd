import { describe, expect, it } from 'vitest';
import type { Principal, Role } from '../../../shared/auth/roles.js';
import {
  allowedActions,
  assertMayChange,
  assertMayDelete,
  assertVisible,
  assigneeForNewTask,
  canSee,
  visibilityScope,
} from '../../../shared/domain/permissions.js';
import type { TaskDocument } from '../../../shared/domain/task-document.js';
import { ApiError } from '../../../shared/http/api-error.js';

const who = (role: Role, userId = `${role}-1`): Principal => ({ userId, name: undefined, roles: [role] });
const doc = (overrides: Partial<TaskDocument> = {}) =>
  ({ id: 't1', status: 'pending', assignee: 'caseworker-1', deletedAt: null, ...overrides }) as TaskDocument;

const statusOf = (run: () => unknown): number | 'ok' => {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (error instanceof ApiError) return error.status;
    throw error;
  }
};

describe('visibility', () => {
  it('lets admins, managers and viewers see all tasks and caseworkers only their own', () => {
    expect(visibilityScope(who('viewer'))).toEqual({ kind: 'all' });
    expect(visibilityScope(who('caseworker'))).toEqual({ kind: 'assignedTo', userId: 'caseworker-1' });
    expect(canSee(who('caseworker'), doc())).toBe(true);
    expect(canSee(who('caseworker', 'someone-else'), doc())).toBe(false);
    expect(canSee(who('admin'), doc({ deletedAt: '2026-01-01T00:00:00.000Z' }))).toBe(false);
  });

  it('answers 404, not 403, for a task the caller cannot see', () => {
    expect(statusOf(() => assertVisible(who('caseworker', 'other'), doc(), 't1'))).toBe(404);
    expect(statusOf(() => assertVisible(who('manager'), undefined, 't1'))).toBe(404);
    expect(statusOf(() => assertVisible(who('manager'), doc(), 't1'))).toBe('ok');
  });
});

describe('allowedActions', () => {
  it('matches each role', () => {
    expect(allowedActions(who('admin'), doc())).toEqual(['update', 'assign', 'complete', 'cancel', 'delete']);
    expect(allowedActions(who('manager'), doc())).toEqual(['update', 'assign', 'complete', 'cancel']);
    expect(allowedActions(who('caseworker'), doc())).toEqual(['update', 'complete', 'cancel']);
    expect(allowedActions(who('viewer'), doc())).toEqual([]);
    expect(allowedActions(who('manager'), doc({ status: 'completed' }))).toEqual([]);
  });

  it('agrees with enforcement for every role and task state', () => {
    const roles: Role[] = ['admin', 'manager', 'caseworker', 'viewer'];
    for (const role of roles) {
      for (const task of [doc(), doc({ assignee: null }), doc({ status: 'cancelled' })]) {
        const offered = allowedActions(who(role), task).includes('update');
        const enforced = statusOf(() => assertMayChange(who(role), task, { title: 'x' })) === 'ok' && task.status !== 'cancelled';
        expect(offered, `${role} on ${JSON.stringify(task)}`).toBe(enforced);
        expect(allowedActions(who(role), task).includes('delete')).toBe(statusOf(() => assertMayDelete(who(role))) === 'ok');
      }
    }
  });
});

describe('changes and assignment', () => {
  it('stops caseworkers handing tasks to others but lets them give a task back', () => {
    expect(statusOf(() => assertMayChange(who('caseworker'), doc(), { assignee: 'caseworker-2' }))).toBe(403);
    expect(statusOf(() => assertMayChange(who('caseworker'), doc(), { assignee: null }))).toBe('ok');
    expect(statusOf(() => assertMayChange(who('manager'), doc(), { assignee: 'caseworker-2' }))).toBe('ok');
    expect(statusOf(() => assertMayChange(who('viewer'), doc(), { title: 'x' }))).toBe(403);
  });

  it('defaults a caseworker-created task to its creator', () => {
    expect(assigneeForNewTask(who('caseworker'), undefined)).toBe('caseworker-1');
    expect(assigneeForNewTask(who('caseworker'), null)).toBeNull();
    expect(assigneeForNewTask(who('manager'), undefined)).toBeNull();
    expect(assigneeForNewTask(who('manager'), 'caseworker-9')).toBe('caseworker-9');
    expect(statusOf(() => assigneeForNewTask(who('caseworker'), 'caseworker-9'))).toBe(403);
  });
});
