import { describe, expect, it } from 'vitest';
import type { Services } from '../../../shared/services.js';
import type { TaskRepository } from '../../../shared/store/task-repository.js';
import type { UserRepository } from '../../../shared/store/user-repository.js';
import { createUser, updateUser } from '../../../shared/use-cases/manage-users.js';
import { runBatch } from '../../../shared/use-cases/batch-tasks.js';
import { performTaskAction } from '../../../shared/use-cases/task-actions.js';
import { updateTask } from '../../../shared/use-cases/update-task.js';
import { CHRIS, manager, writeContext } from './fixtures.js';
import { newTask, storedTask, useWorld } from './harness.js';

/**
 * A change that changes nothing writes nothing: no Cosmos write, no new version (the ETag stays),
 * no event. Counted at the repositories, which every write goes through.
 */

const world = useWorld();

/** The services with task and user repositories that count their writes. */
function counting(): { services: Services; writes: () => number; events: () => number } {
  let writes = 0;
  const count = <T extends object>(real: T, methods: (keyof T)[]): T =>
    Object.assign(
      Object.create(real) as T,
      Object.fromEntries(methods.map((method) => [method, async (...args: unknown[]) => {
        writes += 1;
        return (real[method] as (...a: unknown[]) => Promise<unknown>).apply(real, args);
      }])),
    );
  const tasks = count<TaskRepository>(world.services.tasks, ['create', 'replace', 'removePublishedEvents']);
  const users = count<UserRepository>(world.services.users, ['create', 'replace']);
  const sentBefore = world.messaging.sent.length;
  return { services: { ...world.services, tasks, users }, writes: () => writes, events: () => world.messaging.sent.length - sentBefore };
}

function openTask(assignee: string | null = CHRIS) {
  return newTask(world, manager, { assignee, description: 'Check the bundle', priority: 'high' });
}

describe('no-op writes', () => {
  it('PATCH with the values the task already has: the task as it is, same ETag, no write, no event', async () => {
    const task = await openTask();
    const stored = await storedTask(world, task.document.id);
    const { services, writes, events } = counting();
    const { priority, title, assignee, description } = task.document;
    for (const patch of [{ priority }, { title, assignee }, { description }]) {
      const result = await updateTask(services, manager, task.document.id, task.etag, patch, writeContext(manager));
      expect(result.etag).toBe(task.etag);
      expect(result.document.version).toBe(task.document.version);
    }
    expect(writes()).toBe(0);
    expect(events()).toBe(0);
    expect((await storedTask(world, task.document.id)).cosmosEtag).toBe(stored.cosmosEtag);
  });

  it('PUT with identical content: the same', async () => {
    const task = await openTask();
    const { services, writes, events } = counting();
    const { locationId, title, description, status, priority, dueDate, assignee } = task.document;
    const result = await updateTask(services, manager, task.document.id, task.etag, { locationId, title, description, status, priority, dueDate, assignee }, writeContext(manager));
    expect(result.etag).toBe(task.etag);
    expect([writes(), events()]).toEqual([0, 0]);
  });

  it('a no-op still answers to If-Match: 428 without, 412 when stale', async () => {
    const task = await openTask();
    await expect(updateTask(world.services, manager, task.document.id, null, { priority: task.document.priority }, writeContext(manager))).rejects.toMatchObject({ kind: 'preconditionRequired' });
    await expect(updateTask(world.services, manager, task.document.id, '"999"', { priority: task.document.priority }, writeContext(manager))).rejects.toMatchObject({ kind: 'preconditionFailed' });
  });

  it('assign to the current assignee, or unassign an unassigned task: no write, no event', async () => {
    const assigned = await openTask(CHRIS);
    const unassigned = await openTask(null);
    const { services, writes, events } = counting();
    const same = await performTaskAction(services, manager, assigned.document.id, 'assign', null, { userId: CHRIS }, writeContext(manager));
    const back = await performTaskAction(services, manager, unassigned.document.id, 'assign', null, { userId: null }, writeContext(manager));
    expect([same.etag, back.etag]).toEqual([assigned.etag, unassigned.etag]);
    expect([writes(), events()]).toEqual([0, 0]);
  });

  it('a batch update item that changes nothing: 200 with the same task, nothing written', async () => {
    const task = await openTask();
    const { services, writes, events } = counting();
    const outcomes = await runBatch(services, manager, [{ op: 'update', id: task.document.id, ifMatch: task.etag, patch: { priority: task.document.priority } }], writeContext(manager));
    expect(outcomes).toMatchObject([{ kind: 'updated', task: { etag: task.etag } }]);
    expect([writes(), events()]).toEqual([0, 0]);
  });

  it('a real change is still written once, with one event', async () => {
    const task = await openTask();
    const { services, writes, events } = counting();
    const result = await updateTask(services, manager, task.document.id, task.etag, { priority: 'urgent', title: task.document.title }, writeContext(manager));
    expect(result.etag).not.toBe(task.etag);
    // The write, then clearing the published event from the outbox.
    expect(writes()).toBe(2);
    expect(events()).toBe(1);
    expect((world.messaging.sent.at(-1)!.message.body as { changes: string[] }).changes).toEqual(['priority']);
  });

  it('users: a PATCH with the values the entry already has writes nothing and keeps the ETag', async () => {
    const created = await createUser(world.services, { id: 'no-op-user', name: 'Nina', email: 'nina@example.test', roles: ['caseworker'], jurisdictions: ['IA', 'SSCS'], locations: [], active: true });
    const { services, writes } = counting();
    const same = await updateUser(services, 'no-op-user', created.etag, { name: 'Nina', jurisdictions: ['IA', 'SSCS'], active: true });
    expect(same.etag).toBe(created.etag);
    expect(writes()).toBe(0);
    const changed = await updateUser(services, 'no-op-user', created.etag, { jurisdictions: ['SSCS', 'IA'] });
    expect(changed.etag).not.toBe(created.etag);
    expect(writes()).toBe(1);
  });
});
