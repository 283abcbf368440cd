import { describe, expect, it } from 'vitest';
import { TOPICS } from '../../../shared/config/entities.js';
import type { StoredTask } from '../../../shared/domain/task-document.js';
import type { Messaging, OutgoingMessage } from '../../../shared/messaging/messaging.js';
import type { TaskEvent } from '../../../shared/schemas/event.js';
import { createTask } from '../../../shared/use-cases/create-task.js';
import { relayOutbox } from '../../../shared/use-cases/relay-outbox.js';
import { updateTask } from '../../../shared/use-cases/update-task.js';
import { DEMO_TASK_COUNT } from '../../../dev/demo-data.js';
import { manager, newTaskInput, writeContext } from './fixtures.js';
import { useWorld, type RecordingMessaging } from './harness.js';

const world = useWorld();

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** Messaging that passes the first `allowed` sends to the recording one, then fails every send. */
function failingAfter(real: RecordingMessaging, allowed: number): Messaging & { attempts: number } {
  let remaining = allowed;
  const messaging = Object.assign(Object.create(real) as Messaging, {
    attempts: 0,
    async send(entity: string, messages: readonly OutgoingMessage[]) {
      messaging.attempts += 1;
      if (remaining <= 0) throw new Error('Service Bus is down again');
      remaining -= 1;
      await real.send(entity, messages);
    },
  });
  return messaging;
}

/** Writes made while Service Bus is down: their events stay in the outbox. */
async function whileServiceBusIsDown<T>(write: () => Promise<T>): Promise<T> {
  world.messaging.failWith = new Error('Service Bus is down');
  try {
    return await write();
  } finally {
    world.messaging.failWith = undefined;
  }
}

const idsSentToTopic = () => world.messaging.sentTo(TOPICS.taskEvents.name).map((message) => message.messageId);
const pendingOf = async (task: StoredTask) => (await world.services.tasks.get(task.document.id))!.document.pendingEvents;

describe('relayOutbox', () => {
  it('publishes every event waiting in the outbox once (the demo tasks start with their creation events there)', async () => {
    const outcome = await relayOutbox(world.services);
    // The backlog is measured as the run starts: every demo task, the oldest waiting since the seeding.
    expect(outcome).toEqual({ relayed: DEMO_TASK_COUNT, backlog: { tasks: DEMO_TASK_COUNT, oldestAgeMs: expect.any(Number) } });
    const ids = idsSentToTopic();
    expect(ids).toHaveLength(DEMO_TASK_COUNT);
    expect(new Set(ids).size).toBe(DEMO_TASK_COUNT);
    expect(await world.services.tasks.withPendingEvents(10, world.clock.now().toISOString())).toEqual([]);
    expect(await relayOutbox(world.services)).toEqual({ relayed: 0, backlog: { tasks: 0, oldestAgeMs: 0 } });
    expect(idsSentToTopic()).toHaveLength(DEMO_TASK_COUNT);
  });

  it('relays even when the backlog cannot be measured (the measurement is for the metrics, never in the way)', async () => {
    await relayOutbox(world.services);
    const waiting = await whileServiceBusIsDown(() => createTask(world.services, manager, newTaskInput(), writeContext(manager)));
    const tasks = Object.assign(Object.create(world.services.tasks) as typeof world.services.tasks, {
      outboxBacklog: async () => {
        throw new Error('the count query timed out');
      },
    });
    expect(await relayOutbox({ ...world.services, tasks })).toEqual({ relayed: 1, backlog: undefined });
    expect(await pendingOf(waiting)).toEqual([]);
  });

  it('takes only the outboxes already waiting when the run started, so traffic during a run cannot keep it going', async () => {
    await relayOutbox(world.services);
    const waiting = await whileServiceBusIsDown(() => createTask(world.services, manager, newTaskInput(), writeContext(manager)));
    world.clock.advance(1_000);
    // A write that lands while a run is under way: its outbox is newer than the run's start.
    let laterWrite: StoredTask | undefined;
    const runStartedBefore = Object.assign(Object.create(world.messaging) as Messaging, {
      async send(entity: string, messages: readonly OutgoingMessage[]) {
        await world.messaging.send(entity, messages);
        if (!laterWrite) {
          world.clock.advance(1_000);
          laterWrite = await whileServiceBusIsDown(() => createTask(world.services, manager, newTaskInput(), writeContext(manager)));
        }
      },
    });
    const outcome = await relayOutbox({ ...world.services, messaging: runStartedBefore });
    expect(outcome).toEqual({ relayed: 1, backlog: { tasks: 1, oldestAgeMs: 1_000 } });
    expect(await pendingOf(waiting)).toEqual([]);
    expect((await pendingOf(laterWrite!)).map((event) => event.type)).toEqual(['task.created']);
    // The next run takes it.
    expect(await relayOutbox(world.services)).toMatchObject({ relayed: 1 });
    expect(await pendingOf(laterWrite!)).toEqual([]);
  });

  it('stops at the first failure with the oldest waiting task, and on recovery relays everything exactly once, oldest first', async () => {
    // Three tasks written during an outage, a second apart; the oldest also gets a second event.
    const oldest = await whileServiceBusIsDown(() => createTask(world.services, manager, newTaskInput(), writeContext(manager)));
    world.clock.advance(1_000);
    const middle = await whileServiceBusIsDown(() => createTask(world.services, manager, newTaskInput(), writeContext(manager)));
    world.clock.advance(1_000);
    await whileServiceBusIsDown(() => updateTask(world.services, manager, oldest.document.id, oldest.etag, { priority: 'urgent' }, writeContext(manager)));
    const newest = await whileServiceBusIsDown(() => createTask(world.services, manager, newTaskInput(), writeContext(manager)));
    const oldestEvents = await pendingOf(oldest);
    const middleEvents = await pendingOf(middle);
    const newestEvents = await pendingOf(newest);
    expect(oldestEvents.map((event) => event.type)).toEqual(['task.created', 'task.updated']);
    expect(middleEvents.map((event) => event.type)).toEqual(['task.created']);
    expect(newestEvents.map((event) => event.type)).toEqual(['task.created']);
    const sentBefore = world.messaging.sentTo(TOPICS.taskEvents.name).length;

    // Still down: nothing is published and nothing leaves any outbox.
    const oldestBefore = await world.services.tasks.get(oldest.document.id);
    const down = await whileServiceBusIsDown(() => relayOutbox(world.services));
    expect(down).toMatchObject({ relayed: 0, backlog: { tasks: 3, oldestAgeMs: 2_000 }, stoppedAt: { taskId: oldest.document.id, reason: 'Service Bus is down' } });
    expect((await world.services.tasks.get(oldest.document.id))!.cosmosEtag).toBe(oldestBefore!.cosmosEtag);
    expect(await pendingOf(oldest)).toEqual(oldestEvents);
    expect(world.messaging.sentTo(TOPICS.taskEvents.name).length).toBe(sentBefore);

    // Up for one send, then down again: the oldest task's events go, the run stops at the next task.
    const flaky = failingAfter(world.messaging, 1);
    const partial = await relayOutbox({ ...world.services, messaging: flaky }, TRACEPARENT);
    expect(partial).toMatchObject({ relayed: 2, stoppedAt: { taskId: middle.document.id, reason: 'Service Bus is down again' } });
    expect(flaky.attempts).toBe(2);
    expect(await pendingOf(oldest)).toEqual([]);
    expect(await pendingOf(middle)).toEqual(middleEvents);
    expect(await pendingOf(newest)).toEqual(newestEvents);
    const partlySent = world.messaging.sentTo(TOPICS.taskEvents.name).slice(sentBefore);
    expect(partlySent.map((message) => message.messageId)).toEqual(oldestEvents.map((event) => event.id));
    expect(partlySent.every((message) => message.applicationProperties?.['traceparent'] === TRACEPARENT)).toBe(true);

    // Recovered: the rest goes, in order, and a further run has nothing to do.
    const recovered = await relayOutbox(world.services);
    expect(recovered).toEqual({ relayed: 2, backlog: { tasks: 2, oldestAgeMs: 1_000 } });
    expect(await relayOutbox(world.services)).toEqual({ relayed: 0, backlog: { tasks: 0, oldestAgeMs: 0 } });

    const sent = world.messaging.sentTo(TOPICS.taskEvents.name).slice(sentBefore);
    const expectedOrder = [...oldestEvents, ...middleEvents, ...newestEvents].map((event) => event.id);
    expect(sent.map((message) => message.messageId)).toEqual(expectedOrder);
    for (const id of expectedOrder) expect(idsSentToTopic().filter((sentId) => sentId === id)).toHaveLength(1);
    expect(sent.map((message) => (message.body as TaskEvent).sequence)).toEqual([1, 2, 1, 1]);
    for (const task of [oldest, middle, newest]) {
      const stored = (await world.services.tasks.get(task.document.id))!.document;
      expect(stored.pendingEvents).toEqual([]);
      expect(stored.outboxSince).toBeNull();
    }
  });

  it('keeps an event written while the relay publishes (it is not removed with the published ones)', async () => {
    const task = await whileServiceBusIsDown(() => createTask(world.services, manager, newTaskInput(), writeContext(manager)));
    const [created] = await pendingOf(task);
    let lateEvent: TaskEvent | undefined;
    // The task changes after the relay has read it and while it is sending.
    const racing = Object.assign(Object.create(world.messaging) as Messaging, {
      async send(entity: string, messages: readonly OutgoingMessage[]) {
        await world.messaging.send(entity, messages);
        if (!lateEvent) {
          const updated = await whileServiceBusIsDown(() =>
            updateTask(world.services, manager, task.document.id, task.etag, { title: 'Changed during the relay' }, writeContext(manager)),
          );
          lateEvent = updated.document.pendingEvents.at(-1);
        }
      },
    });
    const sentBefore = world.messaging.sentTo(TOPICS.taskEvents.name).length;

    expect(await relayOutbox({ ...world.services, messaging: racing })).toMatchObject({ relayed: 2 });

    // The late event was left in the outbox by the first removal and relayed by the next batch.
    const sent = world.messaging.sentTo(TOPICS.taskEvents.name).slice(sentBefore).map((message) => message.messageId);
    expect(sent).toEqual([created!.id, lateEvent!.id]);
    expect(await pendingOf(task)).toEqual([]);
  });
});
