import { describe, expect, it } from 'vitest';
import type { StoredTask } from '../../../shared/domain/task-document.js';
import { publishOutbox } from '../../../shared/events/outbox.js';
import type { TaskRepository } from '../../../shared/store/task-repository.js';
import { updateTask } from '../../../shared/use-cases/update-task.js';
import { admin, afterEachRead, caseworker, CHARLIE, CHRIS, CIVIL_CASEWORKER, ELSEWHERE, HOME, manager, notAssignable, principalOf, recordingWrites, refusal, writeContext } from './fixtures.js';
import { eventsFor, newTask, storedTask, useWorld } from './harness.js';

const world = useWorld();

/**
 * The task repository, except that right after its `onRead`-th read (counting from 1) `meanwhile`
 * runs against the real repository before the reader goes on with what it read; the conditional
 * writes made through it are recorded with their version and outcome.
 */
function interleaved(real: TaskRepository, onRead: number, meanwhile: (read: StoredTask) => Promise<unknown>) {
  return recordingWrites(
    afterEachRead(real, async (read, reads) => {
      if (read && reads === onRead) await meanwhile(read);
    }),
    (document) => ({ version: document.version }),
  );
}

describe('updateTask: If-Match', () => {
  it('requires If-Match (428) and writes nothing without it', async () => {
    const task = await newTask(world);
    const error = await refusal(updateTask(world.services, manager, task.document.id, null, { priority: 'urgent' }, writeContext(manager)));
    expect(error.kind).toBe('preconditionRequired');
    expect((await storedTask(world, task.document.id)).document).toMatchObject({ version: 1, priority: 'medium' });
  });

  it('refuses a stale If-Match (412) and names the current ETag', async () => {
    const task = await newTask(world);
    await updateTask(world.services, manager, task.document.id, '"1"', { priority: 'high' }, writeContext(manager));
    const error = await refusal(updateTask(world.services, manager, task.document.id, '"1"', { priority: 'low' }, writeContext(manager)));
    expect(error.kind).toBe('preconditionFailed');
    expect(error.options.currentEtag).toBe('"2"');
    expect((await storedTask(world, task.document.id)).document).toMatchObject({ version: 2, priority: 'high' });
  });

  it('compares strongly: a weak tag of the current version does not match', async () => {
    const task = await newTask(world);
    const error = await refusal(updateTask(world.services, manager, task.document.id, 'W/"1"', { priority: 'low' }, writeContext(manager)));
    expect(error.kind).toBe('preconditionFailed');
    expect(error.options.currentEtag).toBe('"1"');
  });

  it('accepts the current tag among several, and *', async () => {
    const task = await newTask(world);
    const first = await updateTask(world.services, manager, task.document.id, '"7", "1"', { priority: 'low' }, writeContext(manager));
    expect(first.etag).toBe('"2"');
    const second = await updateTask(world.services, manager, task.document.id, '*', { priority: 'high' }, writeContext(manager));
    expect(second.etag).toBe('"3"');
  });

  it('refuses a malformed If-Match as a validation error on the header', async () => {
    const task = await newTask(world);
    const error = await refusal(updateTask(world.services, manager, task.document.id, '1', { priority: 'low' }, writeContext(manager)));
    expect(error.kind).toBe('validation');
    expect(error.options.errors).toEqual([{ in: 'header', field: 'If-Match', message: 'must be a quoted entity tag or *' }]);
  });
});

describe('updateTask: visibility and rights', () => {
  it("answers 404 to a caseworker for someone else's task, before asking for If-Match", async () => {
    const task = await newTask(world, manager, { assignee: CHRIS });
    for (const ifMatch of [null, '"1"']) {
      const error = await refusal(updateTask(world.services, caseworker, task.document.id, ifMatch, { priority: 'low' }, writeContext(caseworker)));
      expect(error.kind).toBe('notFound');
      expect(error.detail).toBe(`No task ${task.document.id} exists that you can see.`);
    }
    expect((await storedTask(world, task.document.id)).document.version).toBe(1);
  });

  it('answers 404 for a task that does not exist, and for one outside the caller\'s jurisdictions', async () => {
    const missing = '11111111-1111-4111-8111-111111111111';
    expect((await refusal(updateTask(world.services, manager, missing, '"1"', { priority: 'low' }, writeContext(manager)))).kind).toBe('notFound');
    const civil = await newTask(world, admin, { jurisdiction: 'CIVIL', locationId: ELSEWHERE });
    expect((await refusal(updateTask(world.services, manager, civil.document.id, '"1"', { priority: 'low' }, writeContext(manager)))).kind).toBe('notFound');
  });

  it('refuses a caseworker giving their task to someone else (403), before looking the assignee up', async () => {
    const task = await newTask(world, caseworker, { assignee: caseworker.userId });
    const error = await refusal(updateTask(world.services, caseworker, task.document.id, '"1"', { assignee: CHRIS }, writeContext(caseworker)));
    expect(error.kind).toBe('forbidden');
    expect(error.detail).toBe('Only managers and admins may assign a task to someone else.');
    // Rights come before reference data: naming someone who does not exist is the same 403, not a 400.
    const unknown = await refusal(updateTask(world.services, caseworker, task.document.id, '"1"', { assignee: 'nobody-at-all' }, writeContext(caseworker)));
    expect([unknown.kind, unknown.detail]).toEqual([error.kind, error.detail]);
    expect((await storedTask(world, task.document.id)).document).toMatchObject({ version: 1, assignee: caseworker.userId });
  });

  it('lets a caseworker let go of their own task, which is recorded as an assignment', async () => {
    const task = await newTask(world, caseworker, { assignee: caseworker.userId });
    const after = await updateTask(world.services, caseworker, task.document.id, '"1"', { assignee: null }, writeContext(caseworker));
    expect(after.document).toMatchObject({ version: 2, assignee: null });
    expect(eventsFor(world, task.document.id).map((event) => [event.type, event.changes])).toEqual([
      ['task.created', []],
      ['task.assigned', ['assignee']],
    ]);
  });

  it("refuses a caseworker's change to an unassigned task: claim it first (409)", async () => {
    const task = await newTask(world, manager);
    const error = await refusal(updateTask(world.services, caseworker, task.document.id, '"1"', { priority: 'low' }, writeContext(caseworker)));
    expect(error.kind).toBe('conflict');
    expect(error.detail).toBe('Cannot update the task: claim the task first.');
  });

  it("refuses moving a task to a location outside the caller's scope (403)", async () => {
    const charlie = principalOf(CHARLIE);
    const task = await newTask(world, charlie, { locationId: HOME, assignee: CHARLIE });
    const error = await refusal(updateTask(world.services, charlie, task.document.id, '"1"', { locationId: ELSEWHERE }, writeContext(charlie)));
    expect(error.kind).toBe('forbidden');
    expect(error.detail).toBe(`Location ${ELSEWHERE} is outside your work scope.`);
    expect((await storedTask(world, task.document.id)).document).toMatchObject({ version: 1, locationId: HOME });
  });

  it('refuses a change to a finished task (409)', async () => {
    const task = await newTask(world, manager);
    await updateTask(world.services, manager, task.document.id, '"1"', { status: 'completed' }, writeContext(manager));
    const error = await refusal(updateTask(world.services, manager, task.document.id, '"2"', { priority: 'low' }, writeContext(manager)));
    expect(error.kind).toBe('conflict');
    expect(error.detail).toBe('Cannot update the task: the task is completed.');
  });

  it('refuses work in progress without an assignee (409 naming assignee)', async () => {
    const task = await newTask(world, manager);
    const error = await refusal(updateTask(world.services, manager, task.document.id, '"1"', { status: 'in_progress' }, writeContext(manager)));
    expect(error.kind).toBe('conflict');
    expect(error.options.errors).toEqual([{ in: 'body', field: 'assignee', message: 'is required while the task is in_progress' }]);
  });
});

describe('updateTask: reference data', () => {
  it('refuses an unknown location, naming locationId', async () => {
    const task = await newTask(world);
    const error = await refusal(updateTask(world.services, manager, task.document.id, '"1"', { locationId: '999999' }, writeContext(manager)));
    expect(error.kind).toBe('validation');
    expect(error.options.errors).toEqual([{ in: 'body', field: 'locationId', message: 'is not a known location (999999)' }]);
  });

  it('refuses an assignee who does not cover the task, judged at the location the change moves it to', async () => {
    const task = await newTask(world);
    const civil = await refusal(updateTask(world.services, manager, task.document.id, '"1"', { assignee: CIVIL_CASEWORKER }, writeContext(manager)));
    expect(civil.options.errors).toEqual([{ in: 'body', field: 'assignee', message: notAssignable('IA', HOME) }]);

    const moved = await refusal(
      updateTask(world.services, manager, task.document.id, '"1"', { assignee: CHARLIE, locationId: ELSEWHERE }, writeContext(manager)),
    );
    expect(moved.kind).toBe('validation');
    // Charlie works at HOME, where the task is now: the refusal is for the location it would move to.
    expect(moved.options.errors).toEqual([{ in: 'body', field: 'assignee', message: notAssignable('IA', ELSEWHERE) }]);
    expect((await storedTask(world, task.document.id)).document.version).toBe(1);
  });

  it('refuses moving a task to a location its current assignee does not work at, naming locationId', async () => {
    const task = await newTask(world, manager, { assignee: CHARLIE });
    const error = await refusal(updateTask(world.services, manager, task.document.id, task.etag, { locationId: ELSEWHERE }, writeContext(manager)));
    expect(error.kind).toBe('validation');
    expect(error.options.errors).toEqual([{ in: 'body', field: 'locationId', message: notAssignable('IA', ELSEWHERE) }]);
    expect((await storedTask(world, task.document.id)).document.locationId).toBe(HOME);
    // Moving it together with a hand-over to someone who works there is fine.
    const moved = await updateTask(world.services, manager, task.document.id, task.etag, { locationId: ELSEWHERE, assignee: CHRIS }, writeContext(manager));
    expect(moved.document).toMatchObject({ locationId: ELSEWHERE, assignee: CHRIS });
  });
});

describe('updateTask: a successful change', () => {
  it('bumps the version and publishes task.updated with the changed fields, chained to the creation event', async () => {
    const task = await newTask(world);
    world.clock.advance(60_000);
    const now = world.clock.now().toISOString();
    const after = await updateTask(world.services, manager, task.document.id, '"1"', { title: 'Renamed', priority: 'urgent' }, writeContext(manager, 'corr-update'));

    expect(after.etag).toBe('"2"');
    const current = await storedTask(world, task.document.id);
    expect(current.document).toMatchObject({
      version: 2,
      title: 'Renamed',
      priority: 'urgent',
      priorityRank: 4,
      searchText: 'renamed\n',
      createdAt: task.document.createdAt,
      updatedAt: now,
      pendingEvents: [],
      outboxSince: null,
    });

    const [created, updated] = eventsFor(world, task.document.id);
    expect(updated).toMatchObject({
      type: 'task.updated',
      sequence: 2,
      changes: ['title', 'priority'],
      previousHash: created!.hash,
      correlationId: 'corr-update',
      actor: { userId: manager.userId, name: manager.name },
      occurredAt: now,
    });
    expect(updated!.before).toMatchObject({ version: 1, title: task.document.title, priority: 'medium' });
    expect(updated!.after).toMatchObject({ version: 2, title: 'Renamed', priority: 'urgent' });
    expect(current.document.lastEventHash).toBe(updated!.hash);
  });

  it('names the event for what the change does: assignment, status move, completion', async () => {
    const task = await newTask(world);
    await updateTask(world.services, manager, task.document.id, '"1"', { assignee: CHRIS }, writeContext(manager));
    await updateTask(world.services, manager, task.document.id, '"2"', { status: 'in_progress' }, writeContext(manager));
    await updateTask(world.services, manager, task.document.id, '"3"', { status: 'completed' }, writeContext(manager));
    expect(eventsFor(world, task.document.id).map((event) => [event.type, event.sequence, event.changes])).toEqual([
      ['task.created', 1, []],
      ['task.assigned', 2, ['assignee']],
      ['task.status_changed', 3, ['status']],
      ['task.completed', 4, ['status']],
    ]);
    expect((await storedTask(world, task.document.id)).document).toMatchObject({ status: 'completed', completedAt: world.clock.now().toISOString(), version: 4 });
  });

  it("lets a caseworker change their own task in their scope", async () => {
    const task = await newTask(world, caseworker, { assignee: caseworker.userId });
    const after = await updateTask(world.services, caseworker, task.document.id, '"1"', { description: 'Called the appellant' }, writeContext(caseworker));
    expect(after.document).toMatchObject({ version: 2, description: 'Called the appellant', assignee: caseworker.userId });
  });
});

describe('updateTask: concurrent writes', () => {
  it('retries transparently when only housekeeping (the outbox relay) wrote between its read and its write', async () => {
    world.messaging.failWith = new Error('Service Bus is down');
    let task: StoredTask;
    try {
      task = await newTask(world);
    } finally {
      world.messaging.failWith = undefined;
    }
    expect((await storedTask(world, task.document.id)).document.pendingEvents.map((event) => event.type)).toEqual(['task.created']);

    // Read 1 is the only read before the write: the visibility snapshot is also what the first
    // conditioned write decides on. The relay publishes and clears the outbox right after it, so
    // the write meets a database 412.
    const relay = (read: StoredTask) => publishOutbox(read, { tasks: world.services.tasks, messaging: world.messaging });
    const { tasks, writes } = interleaved(world.services.tasks, 1, relay);
    const after = await updateTask({ ...world.services, tasks }, manager, task.document.id, '"1"', { priority: 'urgent' }, writeContext(manager));

    expect(writes.filter((write) => write.outcome === 'preconditionFailed')).toEqual([{ version: 2, outcome: 'preconditionFailed' }]);
    expect(after.etag).toBe('"2"');
    const current = await storedTask(world, task.document.id);
    expect(current.document).toMatchObject({ version: 2, priority: 'urgent', pendingEvents: [], outboxSince: null });
    // Each event published exactly once, in order, chained.
    const events = eventsFor(world, task.document.id);
    expect(events.map((event) => [event.type, event.sequence])).toEqual([
      ['task.created', 1],
      ['task.updated', 2],
    ]);
    expect(events[1]!.previousHash).toBe(events[0]!.hash);
  });

  it('answers 412 when a real change lands between its read and its write, and keeps that change', async () => {
    const task = await newTask(world);
    const otherChange = (read: StoredTask) =>
      updateTask(world.services, admin, read.document.id, read.etag, { title: 'Changed by someone else' }, writeContext(admin));
    const { tasks, writes } = interleaved(world.services.tasks, 1, otherChange);

    const error = await refusal(updateTask({ ...world.services, tasks }, manager, task.document.id, '"1"', { priority: 'urgent' }, writeContext(manager)));
    expect(error.kind).toBe('preconditionFailed');
    expect(error.options.currentEtag).toBe('"2"');
    // The database refused the first attempt; the re-run decision saw the new version and gave up.
    expect(writes).toEqual([{ version: 2, outcome: 'preconditionFailed' }]);

    const current = await storedTask(world, task.document.id);
    expect(current.document).toMatchObject({ version: 2, title: 'Changed by someone else', priority: 'medium' });
    expect(eventsFor(world, task.document.id).map((event) => event.type)).toEqual(['task.created', 'task.updated']);
    expect(eventsFor(world, task.document.id)[1]!.actor.userId).toBe(admin.userId);
  });
});
