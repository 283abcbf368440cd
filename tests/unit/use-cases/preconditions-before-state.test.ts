import { describe, expect, it } from 'vitest';
import type { StoredTask } from '../../../shared/domain/task-document.js';
import { runBatch } from '../../../shared/use-cases/batch-tasks.js';
import { deleteTask } from '../../../shared/use-cases/delete-task.js';
import { performTaskAction, type WorkflowAction } from '../../../shared/use-cases/task-actions.js';
import { updateTask } from '../../../shared/use-cases/update-task.js';
import { admin, caseworker, CHRIS, manager, refusal, writeContext } from './fixtures.js';
import { newTask, storedTask, useWorld } from './harness.js';

const world = useWorld();

/**
 * RFC 9110 section 13.2.2: a server evaluates the request's preconditions after its own checks
 * (authentication, authorization: 404/403) and before acting, so a missing or stale If-Match is
 * reported as such (428/412) even when the task's state would refuse the change (409). Every
 * caller's write to a task goes through one place (callerWrite); these prove each route's order.
 */
async function finished(status: 'completed' | 'cancelled'): Promise<StoredTask> {
  const task = await newTask(world, manager, { assignee: CHRIS });
  await performTaskAction(world.services, manager, task.document.id, status === 'completed' ? 'complete' : 'cancel', null, status === 'cancelled' ? { reason: 'duplicate' } : {}, writeContext(manager));
  return storedTask(world, task.document.id);
}

const STALE = '"1"';

describe('preconditions before state', () => {
  describe.each(['completed', 'cancelled'] as const)('PATCH / PUT of a %s task', (status) => {
    it('without If-Match: 428, not 409', async () => {
      const task = await finished(status);
      expect((await refusal(updateTask(world.services, manager, task.document.id, null, { priority: 'low' }, writeContext(manager)))).kind).toBe('preconditionRequired');
    });

    it('with a stale If-Match: 412 with the current ETag, not 409', async () => {
      const task = await finished(status);
      const error = await refusal(updateTask(world.services, manager, task.document.id, STALE, { priority: 'low' }, writeContext(manager)));
      expect(error.kind).toBe('preconditionFailed');
      expect(error.options.currentEtag).toBe(task.etag);
    });

    it('with the current If-Match: 409, the state refuses the change', async () => {
      const task = await finished(status);
      expect((await refusal(updateTask(world.services, manager, task.document.id, task.etag, { priority: 'low' }, writeContext(manager)))).kind).toBe('conflict');
      // PUT takes the same path, every mutable field at once.
      const { locationId, title, description, priority, dueDate, assignee } = task.document;
      const replacement = { locationId, title, description, status: 'pending' as const, priority, dueDate, assignee };
      expect((await refusal(updateTask(world.services, manager, task.document.id, STALE, replacement, writeContext(manager)))).kind).toBe('preconditionFailed');
      expect((await refusal(updateTask(world.services, manager, task.document.id, task.etag, replacement, writeContext(manager)))).kind).toBe('conflict');
    });
  });

  it('keeps 404 and 403 before the precondition: no If-Match needed to learn you may not', async () => {
    const task = await finished('completed');
    // A caseworker cannot see a task assigned to someone else: 404, whatever If-Match says.
    expect((await refusal(updateTask(world.services, caseworker, task.document.id, null, { priority: 'low' }, writeContext(caseworker)))).kind).toBe('notFound');
    // Deleting is for admins only: 403 before 428.
    expect((await refusal(deleteTask(world.services, manager, task.document.id, null, writeContext(manager)))).kind).toBe('forbidden');
    expect((await refusal(deleteTask(world.services, admin, task.document.id, null, writeContext(admin)))).kind).toBe('preconditionRequired');
  });

  it.each<[WorkflowAction, Record<string, unknown>]>([
    ['complete', {}],
    ['cancel', { reason: 'again' }],
    ['claim', {}],
    ['assign', { userId: CHRIS }],
  ])('workflow action %s on a completed task: a stale If-Match is 412; none (optional here) lets the state answer 409', async (action, input) => {
    const task = await finished('completed');
    const stale = await refusal(performTaskAction(world.services, manager, task.document.id, action, STALE, input, writeContext(manager)));
    expect(stale.kind).toBe('preconditionFailed');
    expect((await refusal(performTaskAction(world.services, manager, task.document.id, action, null, input, writeContext(manager)))).kind).toBe('conflict');
    expect((await refusal(performTaskAction(world.services, manager, task.document.id, action, task.etag, input, writeContext(manager)))).kind).toBe('conflict');
  });

  it('reopen of an open task: a stale If-Match is 412 before the 409 that it is not finished', async () => {
    const task = await newTask(world, manager);
    expect((await refusal(performTaskAction(world.services, manager, task.document.id, 'reopen', STALE.replace('1', '9'), {}, writeContext(manager)))).kind).toBe('preconditionFailed');
    expect((await refusal(performTaskAction(world.services, manager, task.document.id, 'reopen', null, {}, writeContext(manager)))).kind).toBe('conflict');
  });

  it('a batch update item on a completed task with a stale ifMatch is refused 412, with the current one 409', async () => {
    const task = await finished('completed');
    const outcomes = await runBatch(
      world.services,
      manager,
      [
        { op: 'update', id: task.document.id, ifMatch: STALE, patch: { priority: 'low' } },
        { op: 'update', id: task.document.id, ifMatch: task.etag, patch: { priority: 'low' } },
      ],
      writeContext(manager),
    );
    expect(outcomes.map((outcome) => (outcome.kind === 'refused' ? outcome.error.kind : outcome.kind))).toEqual(['preconditionFailed', 'conflict']);
  });
});
