import { describe, expect, it } from 'vitest';
import type { Principal, Role } from '../../../shared/auth/roles.js';
import {
  allowedActions,
  assertAllowed,
  assertMayChange,
  assertVisible,
  assigneeForNewTask,
  canSee,
  TASK_ACTIONS,
  visibilityScope,
} from '../../../shared/domain/permissions.js';
import type { TaskDocument } from '../../../shared/domain/task-document.js';
import { AppError } from '../../../shared/errors/app-error.js';
import { statusOf as httpStatusOf } from '../../../shared/http/problem-response.js';

const who = (role: Role, userId = `${role}-1`, jurisdictions = ['IA'], locations: string[] = []): Principal => ({
  userId,
  name: undefined,
  roles: [role],
  workScope: { jurisdictions, locations },
});
const doc = (overrides: Partial<TaskDocument> = {}) =>
  ({ id: 't1', status: 'pending', assignee: 'caseworker-1', jurisdiction: 'IA', locationId: '765324', deletedAt: null, ...overrides }) as TaskDocument;

const statusOf = (run: () => unknown): number | 'ok' => {
  try {
    run();
    return 'ok';
  } catch (error) {
    if (error instanceof AppError) return httpStatusOf(error);
    throw error;
  }
};

describe('visibility', () => {
  it('scopes everyone but admins to their jurisdictions and locations', () => {
    expect(visibilityScope({ ...who('admin'), workScope: undefined })).toEqual({ kind: 'all' });
    expect(visibilityScope(who('viewer'))).toEqual({ kind: 'scoped', jurisdictions: ['IA'], locations: [] });
    expect(visibilityScope(who('caseworker'))).toEqual({ kind: 'scoped', jurisdictions: ['IA'], locations: [], ownOrUnassignedFor: 'caseworker-1' });
    expect(canSee(who('manager'), doc())).toBe(true);
    expect(canSee(who('manager', 'm', ['SSCS']), doc())).toBe(false);
    expect(canSee(who('manager', 'm', ['IA'], ['231596']), doc())).toBe(false);
    expect(canSee(who('admin'), doc({ deletedAt: '2026-01-01T00:00:00.000Z' }))).toBe(false);
  });

  it('shows caseworkers their own and unassigned tasks only', () => {
    expect(canSee(who('caseworker'), doc())).toBe(true);
    expect(canSee(who('caseworker'), doc({ assignee: null }))).toBe(true);
    expect(canSee(who('caseworker'), doc({ assignee: 'someone-else' }))).toBe(false);
  });

  it('answers 404, not 403, for a task the caller cannot see', () => {
    expect(statusOf(() => assertVisible(who('caseworker', 'other'), doc(), 't1'))).toBe(404);
    expect(statusOf(() => assertVisible(who('manager', 'm', ['CIVIL']), doc(), 't1'))).toBe(404);
    expect(statusOf(() => assertVisible(who('manager'), undefined, 't1'))).toBe(404);
    expect(statusOf(() => assertVisible(who('manager'), doc(), 't1'))).toBe('ok');
  });
});

describe('allowedActions', () => {
  it('matches each role', () => {
    expect(allowedActions(who('admin'), doc())).toEqual(['assign', 'complete', 'cancel', 'update', 'delete']);
    expect(allowedActions(who('manager'), doc())).toEqual(['assign', 'complete', 'cancel', 'update']);
    expect(allowedActions(who('manager'), doc({ assignee: null }))).toEqual(['claim', 'assign', 'complete', 'cancel', 'update']);
    expect(allowedActions(who('caseworker'), doc())).toEqual(['unclaim', 'complete', 'cancel', 'update']);
    expect(allowedActions(who('caseworker'), doc({ assignee: null }))).toEqual(['claim']);
    expect(allowedActions(who('viewer'), doc())).toEqual([]);
    expect(allowedActions(who('manager'), doc({ status: 'completed' }))).toEqual(['reopen']);
    expect(allowedActions(who('caseworker'), doc({ status: 'completed' }))).toEqual([]);
  });

  it('agrees with enforcement for every role, action and task state', () => {
    const roles: Role[] = ['admin', 'manager', 'caseworker', 'viewer'];
    const tasks = [doc(), doc({ assignee: null }), doc({ status: 'cancelled' }), doc({ status: 'in_progress' }), doc({ assignee: 'other' })];
    for (const role of roles) {
      for (const task of tasks) {
        const offered = allowedActions(who(role), task);
        for (const action of TASK_ACTIONS) {
          const enforced = statusOf(() => assertAllowed(who(role), action, task, 't1'));
          expect(offered.includes(action), `${role} ${action} on ${JSON.stringify(task)}`).toBe(enforced === 'ok');
        }
      }
    }
  });

  it('explains refusals: 404 when invisible, 403 when the role never allows it, 409 when the state does not', () => {
    // A caseworker who lost a claim race learns who holds the task (in their own scope).
    expect(statusOf(() => assertAllowed(who('caseworker'), 'claim', doc({ assignee: 'other' }), 't1'))).toBe(409);
    expect(statusOf(() => assertAllowed(who('caseworker'), 'complete', doc({ assignee: 'other' }), 't1'))).toBe(404);
    expect(statusOf(() => assertAllowed(who('caseworker', 'c', ['SSCS']), 'claim', doc({ assignee: 'other' }), 't1'))).toBe(404);
    expect(statusOf(() => assertAllowed(who('manager'), 'claim', doc({ assignee: 'other' }), 't1'))).toBe(409);
    expect(statusOf(() => assertAllowed(who('viewer'), 'claim', doc({ assignee: null }), 't1'))).toBe(403);
    expect(statusOf(() => assertAllowed(who('caseworker'), 'assign', doc(), 't1'))).toBe(403);
    expect(statusOf(() => assertAllowed(who('caseworker'), 'complete', doc({ assignee: null }), 't1'))).toBe(409);
    expect(statusOf(() => assertAllowed(who('manager'), 'reopen', doc(), 't1'))).toBe(409);
    expect(statusOf(() => assertAllowed(who('manager'), 'delete', doc(), 't1'))).toBe(403);
  });
});

describe('changes and assignment', () => {
  it('stops caseworkers handing tasks to others but lets them give a task back', () => {
    expect(statusOf(() => assertMayChange(who('caseworker'), doc(), { assignee: 'caseworker-2' }))).toBe(403);
    expect(statusOf(() => assertMayChange(who('caseworker'), doc(), { assignee: null }))).toBe('ok');
    expect(statusOf(() => assertMayChange(who('manager'), doc(), { assignee: 'caseworker-2' }))).toBe('ok');
  });

  it('defaults a caseworker-created task to its creator, inside the creator scope only', () => {
    const task = { jurisdiction: 'IA' as const, locationId: '765324' };
    expect(assigneeForNewTask(who('caseworker'), task, undefined)).toBe('caseworker-1');
    expect(assigneeForNewTask(who('caseworker'), task, null)).toBeNull();
    expect(assigneeForNewTask(who('manager'), task, undefined)).toBeNull();
    expect(assigneeForNewTask(who('manager'), task, 'caseworker-9')).toBe('caseworker-9');
    expect(statusOf(() => assigneeForNewTask(who('caseworker'), task, 'caseworker-9'))).toBe(403);
    expect(statusOf(() => assigneeForNewTask(who('manager', 'm', ['CIVIL']), task, undefined))).toBe(403);
  });
});
