import { describe, expect, it } from 'vitest';
import { deleteTask } from '../../../shared/use-cases/delete-task.js';
import { performTaskAction } from '../../../shared/use-cases/task-actions.js';
import { taskForHistory } from '../../../shared/use-cases/task-history.js';
import { updateTask } from '../../../shared/use-cases/update-task.js';
import { admin, caseworker, CHARLIE, CHRIS, ELSEWHERE, HOME, manager, principalOf, refusal, viewer, writeContext } from './fixtures.js';
import { eventsFor, newTask, storedTask, useWorld } from './harness.js';

const world = useWorld();

const SOUTHERN_MANAGER = 'b0000000-0000-4000-8000-000000000002';

describe('deleteTask', () => {
  it('is for admins only: a manager in scope is refused (403), a caseworker too', async () => {
    const task = await newTask(world);
    const byManager = await refusal(deleteTask(world.services, manager, task.document.id, '"1"', writeContext(manager)));
    expect(byManager.kind).toBe('forbidden');
    expect(byManager.detail).toBe('You may not delete this task.');
    expect((await refusal(deleteTask(world.services, caseworker, task.document.id, '"1"', writeContext(caseworker)))).kind).toBe('forbidden');
    expect((await storedTask(world, task.document.id)).document).toMatchObject({ deletedAt: null, version: 1 });
  });

  it("answers 404 to a manager for a task outside their scope, not 403", async () => {
    const task = await newTask(world, admin, { jurisdiction: 'CIVIL', locationId: ELSEWHERE });
    expect((await refusal(deleteTask(world.services, manager, task.document.id, '"1"', writeContext(manager)))).kind).toBe('notFound');
  });

  it('requires If-Match (428) and refuses a stale one (412 with the current ETag)', async () => {
    const task = await newTask(world);
    expect((await refusal(deleteTask(world.services, admin, task.document.id, null, writeContext(admin)))).kind).toBe('preconditionRequired');
    await updateTask(world.services, manager, task.document.id, '"1"', { priority: 'high' }, writeContext(manager));
    const stale = await refusal(deleteTask(world.services, admin, task.document.id, '"1"', writeContext(admin)));
    expect(stale.kind).toBe('preconditionFailed');
    expect(stale.options.currentEtag).toBe('"2"');
    expect((await storedTask(world, task.document.id)).document).toMatchObject({ deletedAt: null, version: 2 });
  });

  it('soft-deletes: the document stays with deletedAt set now, a new version, and a published task.deleted', async () => {
    const task = await newTask(world, manager, { assignee: CHRIS });
    world.clock.advance(5 * 60_000);
    const now = world.clock.now().toISOString();
    await deleteTask(world.services, admin, task.document.id, '"1"', writeContext(admin, 'corr-delete'));

    const current = await storedTask(world, task.document.id);
    expect(current.etag).toBe('"2"');
    expect(current.document).toMatchObject({
      deletedAt: now,
      updatedAt: now,
      version: 2,
      status: 'pending',
      assignee: CHRIS,
      title: task.document.title,
      pendingEvents: [],
      outboxSince: null,
    });
    const events = eventsFor(world, task.document.id);
    expect(events.map((event) => event.type)).toEqual(['task.created', 'task.deleted']);
    expect(events[1]).toMatchObject({
      sequence: 2,
      changes: ['deletedAt'],
      correlationId: 'corr-delete',
      actor: { userId: admin.userId, name: admin.name },
      previousHash: events[0]!.hash,
      occurredAt: now,
    });
    expect(events[1]!.after).toMatchObject({ deletedAt: now, version: 2 });
  });

  it('makes the task invisible: history for admins only, and no further change by anyone', async () => {
    const task = await newTask(world);
    await deleteTask(world.services, admin, task.document.id, '"1"', writeContext(admin));

    const forManager = await refusal(taskForHistory(world.services, manager, task.document.id));
    expect(forManager.kind).toBe('notFound');
    expect(forManager.detail).toBe(`No task ${task.document.id} exists that you can see.`);
    const forAdmin = await taskForHistory(world.services, admin, task.document.id);
    expect(forAdmin.document).toMatchObject({ id: task.document.id, deletedAt: world.clock.now().toISOString() });
    expect(forAdmin.etag).toBe('"2"');

    expect((await refusal(updateTask(world.services, manager, task.document.id, '"2"', { priority: 'low' }, writeContext(manager)))).kind).toBe('notFound');
    expect((await refusal(updateTask(world.services, admin, task.document.id, '"2"', { priority: 'low' }, writeContext(admin)))).kind).toBe('notFound');
    expect(
      (await refusal(performTaskAction(world.services, caseworker, task.document.id, 'claim', null, {}, writeContext(caseworker)))).kind,
    ).toBe('notFound');
    // Deleting twice: the task no longer exists for anyone to delete.
    expect((await refusal(deleteTask(world.services, admin, task.document.id, '"2"', writeContext(admin)))).kind).toBe('notFound');
    expect((await storedTask(world, task.document.id)).document.version).toBe(2);
  });

  it('deletes a finished task too', async () => {
    const task = await newTask(world);
    await performTaskAction(world.services, manager, task.document.id, 'complete', null, {}, writeContext(manager));
    await deleteTask(world.services, admin, task.document.id, '"2"', writeContext(admin));
    expect((await storedTask(world, task.document.id)).document).toMatchObject({ status: 'completed', deletedAt: world.clock.now().toISOString(), version: 3 });
  });

  it('answers 404 for a task that does not exist', async () => {
    expect((await refusal(deleteTask(world.services, admin, '33333333-3333-4333-8333-333333333333', '"1"', writeContext(admin)))).kind).toBe('notFound');
  });
});

describe('taskForHistory', () => {
  it('shows an unassigned IA task at 765324 to everyone whose scope holds it', async () => {
    const task = await newTask(world, manager, { locationId: HOME });
    for (const principal of [admin, manager, caseworker, principalOf(CHRIS), principalOf(CHARLIE), viewer]) {
      const found = await taskForHistory(world.services, principal, task.document.id);
      expect(found.document.id).toBe(task.document.id);
      expect(found.etag).toBe('"1"');
    }
  });

  it("hides it from people whose jurisdictions or locations do not hold it", async () => {
    const atHome = await newTask(world, manager, { locationId: HOME });
    expect((await refusal(taskForHistory(world.services, principalOf(SOUTHERN_MANAGER), atHome.document.id))).kind).toBe('notFound');
    const elsewhere = await newTask(world, manager, { locationId: ELSEWHERE });
    expect((await refusal(taskForHistory(world.services, principalOf(CHARLIE), elsewhere.document.id))).kind).toBe('notFound');
    expect((await taskForHistory(world.services, caseworker, elsewhere.document.id)).document.id).toBe(elsewhere.document.id);
  });

  it("shows a caseworker their own task's history and not a colleague's", async () => {
    const mine = await newTask(world, manager, { assignee: caseworker.userId });
    const theirs = await newTask(world, manager, { assignee: CHRIS });
    expect((await taskForHistory(world.services, caseworker, mine.document.id)).document.assignee).toBe(caseworker.userId);
    expect((await refusal(taskForHistory(world.services, caseworker, theirs.document.id))).kind).toBe('notFound');
    // Managers and viewers see every task in their scope, whoever holds it.
    expect((await taskForHistory(world.services, manager, theirs.document.id)).document.assignee).toBe(CHRIS);
    expect((await taskForHistory(world.services, viewer, theirs.document.id)).document.assignee).toBe(CHRIS);
  });

  it('shows an admin every task, in any jurisdiction', async () => {
    const civil = await newTask(world, admin, { jurisdiction: 'CIVIL', locationId: ELSEWHERE });
    expect((await taskForHistory(world.services, admin, civil.document.id)).document.jurisdiction).toBe('CIVIL');
    expect((await refusal(taskForHistory(world.services, manager, civil.document.id))).kind).toBe('notFound');
  });

  it('keeps a deleted task from viewers and caseworkers too, and reports no task for an unknown id', async () => {
    const task = await newTask(world);
    await deleteTask(world.services, admin, task.document.id, '"1"', writeContext(admin));
    for (const principal of [viewer, caseworker, manager]) {
      expect((await refusal(taskForHistory(world.services, principal, task.document.id))).kind).toBe('notFound');
    }
    const unknown = '44444444-4444-4444-8444-444444444444';
    const missing = await refusal(taskForHistory(world.services, admin, unknown));
    expect(missing.kind).toBe('notFound');
    expect(missing.detail).toBe(`No task ${unknown} exists that you can see.`);
  });
});
