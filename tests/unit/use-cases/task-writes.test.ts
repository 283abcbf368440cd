import { describe, expect, it } from 'vitest';
import { TOPICS } from '../../../shared/config/entities.js';
import { MAX_PENDING_EVENTS } from '../../../shared/domain/task-events.js';
import { AppError } from '../../../shared/errors/app-error.js';
import { newPublishBudget } from '../../../shared/events/publish-budget.js';
import { conditionalWrite } from '../../../shared/use-cases/conditional-write.js';
import { createTask } from '../../../shared/use-cases/create-task.js';
import { relayOutbox } from '../../../shared/use-cases/relay-outbox.js';
import { updateTask } from '../../../shared/use-cases/update-task.js';
import type { TaskRepository } from '../../../shared/store/task-repository.js';
import { changedAfterRead, manager, newTaskInput, writeContext } from './fixtures.js';
import { useWorld } from './harness.js';

const world = useWorld();

/** The task repository, except that its first `races` reads of a task are each followed by someone else's write to it. */
const racingTasks = (real: TaskRepository, races: number) =>
  changedAfterRead(real, races, (document) => ({ ...document, title: `${document.title} (changed meanwhile)` }));

describe('conditionalWrite', () => {
  it('re-runs the decision on fresh state when the database answers 412, and writes once', async () => {
    const created = await createTask(world.services, manager, newTaskInput(), writeContext(manager));
    const decisions: string[] = [];
    const result = await conditionalWrite(racingTasks(world.services.tasks, 1), created.document.id, (current) => {
      decisions.push(current!.document.title);
      return { ...current!.document, priority: 'urgent' };
    });
    expect(decisions).toEqual([`${created.document.title}`, `${created.document.title} (changed meanwhile)`]);
    const stored = await world.services.tasks.get(created.document.id);
    expect(stored!.document.priority).toBe('urgent');
    expect(stored!.document.title).toBe(`${created.document.title} (changed meanwhile)`);
    expect(result!.after.cosmosEtag).toBe(stored!.cosmosEtag);
  });

  it('gives up after five conflicts with a retryable 503', async () => {
    const created = await createTask(world.services, manager, newTaskInput(), writeContext(manager));
    const attempt = conditionalWrite(racingTasks(world.services.tasks, 5), created.document.id, (current) => ({ ...current!.document, priority: 'low' }));
    await expect(attempt).rejects.toMatchObject({ kind: 'unavailable', options: { retryAfterSeconds: 1 } });
    expect((await world.services.tasks.get(created.document.id))!.document.priority).not.toBe('low');
  });

  it('writes nothing when the decision says there is nothing to do, and says so', async () => {
    const created = await createTask(world.services, manager, newTaskInput(), writeContext(manager));
    const before = await world.services.tasks.get(created.document.id);
    const outcome = await conditionalWrite(world.services.tasks, created.document.id, () => undefined);
    expect(outcome).toEqual({ before, after: before, written: false });
    expect((await world.services.tasks.get(created.document.id))!.cosmosEtag).toBe(before!.cosmosEtag);
    expect(await conditionalWrite(world.services.tasks, '00000000-0000-4000-8000-000000000000', () => undefined)).toBeUndefined();
  });
});

describe('writes and the outbox', () => {
  it('publishes the event of a write and clears it from the outbox', async () => {
    const sentBefore = world.messaging.sentTo(TOPICS.taskEvents.name).length;
    const created = await createTask(world.services, manager, newTaskInput(), writeContext(manager));
    const sent = world.messaging.sentTo(TOPICS.taskEvents.name).slice(sentBefore);
    expect(sent.map((message) => message.subject)).toEqual(['task.created']);
    expect(sent[0]!.messageId).toBe((sent[0]!.body as { id: string }).id);
    expect((await world.services.tasks.get(created.document.id))!.document.pendingEvents).toEqual([]);
  });

  it('keeps the event in the outbox when Service Bus is down, and the write still succeeds; the relay delivers it later, once', async () => {
    world.messaging.failWith = new Error('Service Bus is down');
    const context = writeContext(manager);
    let created;
    try {
      created = await createTask(world.services, manager, newTaskInput(), context);
    } finally {
      world.messaging.failWith = undefined;
    }
    expect(context.warnings).toHaveLength(1);
    const pending = (await world.services.tasks.get(created.document.id))!.document.pendingEvents;
    expect(pending.map((event) => event.type)).toEqual(['task.created']);

    const sentBefore = world.messaging.sentTo(TOPICS.taskEvents.name).length;
    const outcome = await relayOutbox(world.services);
    const relayedIds = world.messaging.sentTo(TOPICS.taskEvents.name).slice(sentBefore).map((message) => message.messageId);
    expect(outcome.stoppedAt).toBeUndefined();
    expect(relayedIds).toContain(pending[0]!.id);
    expect((await world.services.tasks.get(created.document.id))!.document.pendingEvents).toEqual([]);

    const again = await relayOutbox(world.services);
    expect(world.messaging.sentTo(TOPICS.taskEvents.name).slice(sentBefore).filter((message) => message.messageId === pending[0]!.id)).toHaveLength(1);
    expect(again.relayed).toBe(0);
  });

  it('does not wait for a hanging Service Bus beyond the publish budget: the send is aborted, the event stays for the relay', async () => {
    const budget = newPublishBudget(200);
    const context = writeContext(manager, 'hang', budget);
    world.messaging.hang = 'until-aborted';
    const abortedBefore = world.messaging.aborted;
    let created;
    const started = performance.now();
    try {
      created = await createTask(world.services, manager, newTaskInput(), context);
    } finally {
      world.messaging.hang = false;
    }
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(2_000);
    expect(world.messaging.aborted - abortedBefore).toBe(1);
    expect(budget.spent).toBe(true);
    expect(context.warnings).toHaveLength(1);
    expect((await world.services.tasks.get(created.document.id))!.document.pendingEvents.map((event) => event.type)).toEqual(['task.created']);
    await relayOutbox(world.services);
    expect((await world.services.tasks.get(created.document.id))!.document.pendingEvents).toEqual([]);
  });

  it('spends the budget once per request: later writes of the same request leave their events to the relay at once', async () => {
    const budget = newPublishBudget(400);
    const context = writeContext(manager, 'hang-batch', budget);
    // An adapter that ignores the abort signal must not hold the request either.
    world.messaging.hang = 'ignoring-signals';
    const created = [];
    const started = performance.now();
    try {
      for (let i = 0; i < 5; i++) created.push(await createTask(world.services, manager, newTaskInput(), context));
    } finally {
      world.messaging.hang = false;
    }
    // One budget in all (400 ms), not five (2 s); the rest is slack for a busy machine.
    expect(performance.now() - started).toBeLessThan(1_400);
    expect(context.warnings).toHaveLength(1);
    for (const task of created) {
      expect((await world.services.tasks.get(task.document.id))!.document.pendingEvents).toHaveLength(1);
    }
    await relayOutbox(world.services);
    for (const task of created) expect((await world.services.tasks.get(task.document.id))!.document.pendingEvents).toEqual([]);
  });

  it('refuses further changes with a retryable 503 once a task holds the maximum of unpublished events (backpressure)', async () => {
    const created = await createTask(world.services, manager, newTaskInput(), writeContext(manager));
    world.messaging.failWith = new Error('Service Bus is down');
    try {
      let etag = created.etag;
      for (let change = 1; change <= MAX_PENDING_EVENTS; change++) {
        etag = (await updateTask(world.services, manager, created.document.id, etag, { priority: change % 2 ? 'high' : 'low' }, writeContext(manager))).etag;
      }
      const refused = updateTask(world.services, manager, created.document.id, etag, { priority: 'urgent' }, writeContext(manager));
      await expect(refused).rejects.toBeInstanceOf(AppError);
      await expect(refused).rejects.toMatchObject({ kind: 'unavailable', options: { retryAfterSeconds: 30 } });
      expect((await world.services.tasks.get(created.document.id))!.document.pendingEvents).toHaveLength(MAX_PENDING_EVENTS);
    } finally {
      world.messaging.failWith = undefined;
    }
  });
});
