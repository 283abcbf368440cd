import { describe, expect, it } from 'vitest';
import type { TaskDocument } from '../../../shared/domain/task-document.js';
import { applyTaskChange, canTransition, changedFields, newTaskDocument, STATUS_TRANSITIONS } from '../../../shared/domain/task-rules.js';
import { AppError } from '../../../shared/errors/app-error.js';
import { statusOf as httpStatusOf } from '../../../shared/http/problem-response.js';
import { TASK_STATUSES } from '../../../shared/schemas/task.js';

const now = new Date('2026-11-23T10:00:00.000Z');
const later = (hours: number) => new Date(now.getTime() + hours * 3_600_000).toISOString();

function task(overrides: Partial<TaskDocument> = {}): TaskDocument {
  const base = newTaskDocument(
    { caseId: '1234567812345678', jurisdiction: 'IA', locationId: '765324', title: 'Review', description: '', priority: 'medium', dueDate: later(24) },
    { id: '0b8f6f0e-3c2a-4a51-9d1e-1b2c3d4e5f60', createdBy: 'u1', assignee: 'u1', now },
  );
  return { ...base, ...overrides };
}

function apiError(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('status transitions', () => {
  it('allows exactly the transitions in the table, plus staying put', () => {
    for (const from of TASK_STATUSES) {
      for (const to of TASK_STATUSES) {
        expect(canTransition(from, to)).toBe(from === to || STATUS_TRANSITIONS[from].includes(to));
      }
    }
    expect(canTransition('pending', 'in_progress')).toBe(true);
    expect(canTransition('completed', 'pending')).toBe(false);
    expect(canTransition('cancelled', 'in_progress')).toBe(false);
  });
});

describe('newTaskDocument', () => {
  it('starts pending with derived fields and every optional field null', () => {
    const doc = task();
    expect(doc).toMatchObject({ status: 'pending', priorityRank: 2, completedAt: null, cancelledAt: null, deletedAt: null });
    expect(doc.createdAt).toBe(now.toISOString());
    expect(doc.searchText).toBe('review\n');
  });

  it('rejects a due date in the past naming the field', () => {
    const error = apiError(() =>
      newTaskDocument(
        { caseId: '1234567812345678', jurisdiction: 'IA', locationId: '1', title: 't', description: '', priority: 'low', dueDate: later(-1) },
        { id: 'x', createdBy: 'u', assignee: null, now },
      ),
    );
    expect(httpStatusOf(error)).toBe(400);
    expect(error.options.errors?.[0]?.field).toBe('dueDate');
  });
});

describe('applyTaskChange', () => {
  it('stamps completedAt and updatedAt when completing', () => {
    const completedAt = new Date(now.getTime() + 60_000);
    const next = applyTaskChange(task(), { status: 'completed' }, completedAt);
    expect(next.completedAt).toBe(completedAt.toISOString());
    expect(next.updatedAt).toBe(completedAt.toISOString());
    expect(next.cancelledAt).toBeNull();
  });

  it('refuses any change to a terminal task with 409', () => {
    expect(httpStatusOf(apiError(() => applyTaskChange(task({ status: 'completed' }), { title: 'x' }, now)))).toBe(409);
    expect(httpStatusOf(apiError(() => applyTaskChange(task({ status: 'cancelled' }), { status: 'pending' }, now)))).toBe(409);
  });

  it('refuses in_progress without an assignee', () => {
    const error = apiError(() => applyTaskChange(task({ assignee: null }), { status: 'in_progress' }, now));
    expect(httpStatusOf(error)).toBe(409);
    expect(error.options.errors?.[0]?.field).toBe('assignee');
  });

  it('requires a moved due date to be in the future but accepts an unchanged past one', () => {
    const overdue = task({ dueDate: later(-48) });
    expect(httpStatusOf(apiError(() => applyTaskChange(overdue, { dueDate: later(-24) }, now)))).toBe(400);
    expect(applyTaskChange(overdue, { dueDate: overdue.dueDate, title: 'New title' }, now).title).toBe('New title');
  });

  it('keeps derived fields in step and reports what changed', () => {
    const before = task();
    const after = applyTaskChange(before, { priority: 'urgent', title: 'Urgent Review', assignee: undefined }, now);
    expect(after.priorityRank).toBe(4);
    expect(after.searchText).toBe('urgent review\n');
    expect(after.assignee).toBe('u1');
    expect(changedFields(before, after)).toEqual(['title', 'priority']);
  });

  it('returns the task itself when the change alters nothing: nothing to write', () => {
    const current = task({ overdue: true, overdueSince: later(-1), dueDate: later(-2) });
    const { locationId, title, description, status, priority, dueDate, assignee } = current;
    // Every mutable field as it is (a PUT repeating the task), a subset (a PATCH), or nothing at all.
    for (const change of [{ locationId, title, description, status, priority, dueDate, assignee }, { priority, assignee }, {}]) {
      expect(applyTaskChange(current, change, now)).toBe(current);
    }
    // A past due date that is not moved is not checked; one real change is a new document.
    expect(applyTaskChange(current, { dueDate, title: 'Other' }, now)).not.toBe(current);
  });
});
