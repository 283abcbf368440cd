import { beforeEach, describe, expect, it } from 'vitest';
import { CONTAINERS, QUEUES, TOPICS } from '../../../shared/config/entities.js';
import { SYSTEM_ACTOR } from '../../../shared/domain/task-events.js';
import type { TaskEvent } from '../../../shared/schemas/event.js';
import { overdueCandidateSchema, type OverdueCandidate } from '../../../shared/schemas/overdue.js';
import { JURISDICTIONS, type Jurisdiction } from '../../../shared/schemas/task.js';
import { deleteTask } from '../../../shared/use-cases/delete-task.js';
import { flagOverdue } from '../../../shared/use-cases/flag-overdue.js';
import { overdueMessageId, scanOverdue } from '../../../shared/use-cases/scan-overdue.js';
import { relayOutbox } from '../../../shared/use-cases/relay-outbox.js';
import { performTaskAction } from '../../../shared/use-cases/task-actions.js';
import { admin, manager, newTaskInput, writeContext, splitTraceContext } from './fixtures.js';
import { sameTrace } from '../../../shared/telemetry/trace-context.js';
import { newTask, useWorld } from './harness.js';

const world = useWorld();

const HOUR = 3_600_000;
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

/** A task due one hour from the test clock's now. */
async function taskDueInAnHour(overrides: Parameters<typeof newTaskInput>[0] = {}, principal = manager) {
  const dueDate = new Date(world.clock.now().getTime() + HOUR).toISOString();
  return newTask(world, principal, { dueDate, ...overrides });
}

/** Straight from the database, not through the code under test: open, live tasks flagged overdue in a jurisdiction. */
async function flaggedOpenTasks(jurisdiction: Jurisdiction): Promise<number> {
  const { resources } = await world.services.database
    .container(CONTAINERS.tasks.name)
    .items.query<number>({
      query:
        "SELECT VALUE COUNT(1) FROM c WHERE c.jurisdiction = @jurisdiction AND c.overdue = true AND c.deletedAt = null AND c.status IN ('pending', 'in_progress')",
      parameters: [{ name: '@jurisdiction', value: jurisdiction }],
    })
    .fetchAll();
  return resources.reduce((sum, value) => sum + value, 0);
}

/** Straight from the database: ids and due dates of open, live, unflagged tasks past due now. */
async function unflaggedPastDue(): Promise<{ id: string; dueDate: string }[]> {
  const { resources } = await world.services.database
    .container(CONTAINERS.tasks.name)
    .items.query<{ id: string; dueDate: string }>({
      query: "SELECT c.id, c.dueDate FROM c WHERE c.deletedAt = null AND c.overdue = false AND c.status IN ('pending', 'in_progress') AND c.dueDate < @now",
      parameters: [{ name: '@now', value: world.clock.now().toISOString() }],
    })
    .fetchAll();
  return resources;
}

describe('flagOverdue', () => {
  it('flags an open task past its due date, publishes task.overdue by the system, and clears the outbox', async () => {
    const created = await taskDueInAnHour();
    world.clock.advance(2 * HOUR);
    const sentBefore = world.messaging.sent.length;

    expect(await flagOverdue(world.services, created.document.id, 'overdue-correlation', TRACEPARENT)).toBe('flagged');

    const stored = (await world.services.tasks.get(created.document.id))!.document;
    expect(stored.overdue).toBe(true);
    expect(stored.overdueSince).toBe(world.clock.now().toISOString());
    expect(stored.updatedAt).toBe(world.clock.now().toISOString());
    expect(stored.version).toBe(2);
    expect(stored.status).toBe(created.document.status);
    expect(stored.pendingEvents).toEqual([]);
    expect(stored.outboxSince).toBeNull();

    const sent = world.messaging.sent.slice(sentBefore);
    expect(sent.map((record) => [record.entity, record.message.subject])).toEqual([[TOPICS.taskEvents.name, 'task.overdue']]);
    const message = sent[0]!.message;
    const event = message.body as TaskEvent;
    expect(message.messageId).toBe(event.id);
    expect(message.correlationId).toBe('overdue-correlation');
    expect(message.applicationProperties).toMatchObject({ taskId: created.document.id, sequence: 2 });
    expect(sameTrace(splitTraceContext(message).traceparent, TRACEPARENT)).toBe(true);
    expect(event).toMatchObject({
      type: 'task.overdue',
      taskId: created.document.id,
      actor: SYSTEM_ACTOR,
      correlationId: 'overdue-correlation',
      sequence: 2,
      previousHash: created.document.lastEventHash,
      changes: ['overdue'],
    });
    expect(event.before!.overdue).toBe(false);
    expect(event.after!.overdue).toBe(true);
    expect(stored.lastEventHash).toBe(event.hash);
  });

  it('skips a task already flagged (a redelivered message), writing and publishing nothing', async () => {
    const created = await taskDueInAnHour();
    world.clock.advance(2 * HOUR);
    expect(await flagOverdue(world.services, created.document.id, 'first')).toBe('flagged');
    const flagged = await world.services.tasks.get(created.document.id);
    const sentBefore = world.messaging.sent.length;

    world.clock.advance(HOUR);
    expect(await flagOverdue(world.services, created.document.id, 'second')).toBe('skipped');

    const after = await world.services.tasks.get(created.document.id);
    expect(after!.cosmosEtag).toBe(flagged!.cosmosEtag);
    expect(after!.document.overdueSince).toBe(flagged!.document.overdueSince);
    expect(world.messaging.sent.length).toBe(sentBefore);
  });

  it('skips a task completed before its due date passed, and one not yet due', async () => {
    const completed = await taskDueInAnHour();
    await performTaskAction(world.services, manager, completed.document.id, 'complete', null, {}, writeContext(manager));
    const completedBefore = await world.services.tasks.get(completed.document.id);
    world.clock.advance(30 * 60_000);
    const notYetDue = await taskDueInAnHour();
    const notYetDueBefore = await world.services.tasks.get(notYetDue.document.id);
    // 61 minutes after the first task's creation: it is past due; the second is 29 minutes from due.
    world.clock.advance(31 * 60_000);
    const sentBefore = world.messaging.sent.length;

    expect(await flagOverdue(world.services, completed.document.id, 'c')).toBe('skipped');
    expect((await world.services.tasks.get(completed.document.id))!.cosmosEtag).toBe(completedBefore!.cosmosEtag);
    expect((await world.services.tasks.get(completed.document.id))!.document.overdue).toBe(false);

    expect(completed.document.dueDate < world.clock.now().toISOString()).toBe(true);
    expect(notYetDue.document.dueDate > world.clock.now().toISOString()).toBe(true);
    expect(await flagOverdue(world.services, notYetDue.document.id, 'n')).toBe('skipped');
    expect((await world.services.tasks.get(notYetDue.document.id))!.cosmosEtag).toBe(notYetDueBefore!.cosmosEtag);

    expect(world.messaging.sent.length).toBe(sentBefore);
  });

  it('skips a deleted task past its due date', async () => {
    const created = await taskDueInAnHour();
    await deleteTask(world.services, admin, created.document.id, created.etag, writeContext(admin));
    world.clock.advance(2 * HOUR);
    const before = await world.services.tasks.get(created.document.id);
    const sentBefore = world.messaging.sent.length;

    expect(await flagOverdue(world.services, created.document.id, 'deleted')).toBe('skipped');
    expect((await world.services.tasks.get(created.document.id))!.cosmosEtag).toBe(before!.cosmosEtag);
    expect(world.messaging.sent.length).toBe(sentBefore);
  });

  it('skips a task that does not exist', async () => {
    const sentBefore = world.messaging.sent.length;
    expect(await flagOverdue(world.services, '3f1c0d9e-3d8b-4b8e-9a55-000000000000', 'x')).toBe('skipped');
    expect(world.messaging.sent.length).toBe(sentBefore);
  });

  it('still flags when Service Bus is down: the task.overdue event waits in the outbox', async () => {
    const created = await taskDueInAnHour();
    world.clock.advance(2 * HOUR);
    const sentBefore = world.messaging.sent.length;
    world.messaging.failWith = new Error('Service Bus is down');
    try {
      expect(await flagOverdue(world.services, created.document.id, 'down-correlation')).toBe('flagged');
    } finally {
      world.messaging.failWith = undefined;
    }

    const stored = (await world.services.tasks.get(created.document.id))!.document;
    expect(stored.overdue).toBe(true);
    expect(stored.pendingEvents.map((event) => [event.type, event.correlationId, event.sequence])).toEqual([['task.overdue', 'down-correlation', 2]]);
    expect(stored.outboxSince).toBe(stored.pendingEvents[0]!.occurredAt);
    expect(stored.lastEventHash).toBe(stored.pendingEvents[0]!.hash);
    expect(world.messaging.sent.length).toBe(sentBefore);

    // A retry of the message changes nothing: the flag is set, the event is the relay's to send.
    expect(await flagOverdue(world.services, created.document.id, 'down-correlation')).toBe('skipped');
    expect((await world.services.tasks.get(created.document.id))!.document.pendingEvents).toHaveLength(1);
  });
});

describe('scanOverdue', () => {
  // The backlog comes from the task counters, which count published events: what an earlier test
  // left in an outbox (Service Bus down) is relayed first, as the outbox-relay timer would.
  beforeEach(async () => {
    await relayOutbox(world.services);
  });

  it('queues one message per newly overdue task, with an id per task and due date, and reports the backlog', async () => {
    const ia = await taskDueInAnHour();
    const civil = await taskDueInAnHour({ jurisdiction: 'CIVIL' }, admin);
    const finished = await taskDueInAnHour();
    await performTaskAction(world.services, manager, finished.document.id, 'cancel', null, { reason: 'not needed' }, writeContext(manager));
    world.clock.advance(2 * HOUR);

    const expected = await unflaggedPastDue();
    const sentBefore = world.messaging.sentTo(QUEUES.overdueTasks.name).length;
    const scan = await scanOverdue(world.services, 'scan-correlation');
    const queued = world.messaging.sentTo(QUEUES.overdueTasks.name).slice(sentBefore);

    expect(scan.queued).toBe(queued.length);
    expect(queued.map((message) => (message.body as OverdueCandidate).taskId).sort()).toEqual(expected.map((task) => task.id).sort());
    for (const message of queued) {
      const body = overdueCandidateSchema.strict().parse(message.body);
      expect(message.messageId).toBe(overdueMessageId(body.taskId, body.dueDate));
      expect(message.messageId).toBe(`overdue:${body.taskId}:${body.dueDate}`);
      expect(message.subject).toBe('task.overdue-candidate');
      expect(message.correlationId).toBe('scan-correlation');
      expect(body.dueDate).toBe(expected.find((task) => task.id === body.taskId)!.dueDate);
    }
    const ids = queued.map((message) => message.messageId);
    expect(ids).toContain(overdueMessageId(ia.document.id, ia.document.dueDate));
    expect(ids).toContain(overdueMessageId(civil.document.id, civil.document.dueDate));
    expect(ids.some((id) => id.includes(finished.document.id))).toBe(false);
    expect(new Set(ids).size).toBe(ids.length);

    expect(Object.keys(scan.backlog).sort()).toEqual([...JURISDICTIONS].sort());
    for (const jurisdiction of JURISDICTIONS) expect(scan.backlog[jurisdiction]).toBe(await flaggedOpenTasks(jurisdiction));
  });

  it('queues the very same message ids on a rescan (dropping them is Service Bus duplicate detection)', async () => {
    const first = world.messaging.sentTo(QUEUES.overdueTasks.name).length;
    const scanA = await scanOverdue(world.services, 'scan-a');
    const second = world.messaging.sentTo(QUEUES.overdueTasks.name).length;
    const scanB = await scanOverdue(world.services, 'scan-b');
    const idsA = world.messaging.sentTo(QUEUES.overdueTasks.name).slice(first, second).map((message) => message.messageId);
    const idsB = world.messaging.sentTo(QUEUES.overdueTasks.name).slice(second).map((message) => message.messageId);

    expect(idsA.length).toBeGreaterThan(0);
    expect([...idsB].sort()).toEqual([...idsA].sort());
    expect(scanB.queued).toBe(scanA.queued);
    expect(scanB.backlog).toEqual(scanA.backlog);
    expect(world.messaging.sentTo(QUEUES.overdueTasks.name).slice(second).every((message) => message.correlationId === 'scan-b')).toBe(true);
  });

  it('after the candidates are flagged, queues nothing and reports them all as backlog per jurisdiction', async () => {
    const sentBefore = world.messaging.sentTo(QUEUES.overdueTasks.name).length;
    await scanOverdue(world.services, 'scan-before-flagging');
    const candidates = world.messaging
      .sentTo(QUEUES.overdueTasks.name)
      .slice(sentBefore)
      .map((message) => message.body as OverdueCandidate);
    const before = await scanOverdue(world.services, 'scan-backlog-before');

    // What the overdue-tasks consumer does with each message.
    const outcomes = [];
    for (const candidate of candidates) outcomes.push(await flagOverdue(world.services, candidate.taskId, 'flagging'));
    expect(outcomes.every((outcome) => outcome === 'flagged')).toBe(true);

    const afterSent = world.messaging.sentTo(QUEUES.overdueTasks.name).length;
    const after = await scanOverdue(world.services, 'scan-after-flagging');
    expect(after.queued).toBe(0);
    expect(world.messaging.sentTo(QUEUES.overdueTasks.name).length).toBe(afterSent);

    let added = 0;
    for (const jurisdiction of JURISDICTIONS) {
      expect(after.backlog[jurisdiction]).toBe(await flaggedOpenTasks(jurisdiction));
      added += after.backlog[jurisdiction] - before.backlog[jurisdiction];
    }
    expect(added).toBe(candidates.length);
  });

  it('takes a flagged task out of the backlog once it is completed', async () => {
    const created = await taskDueInAnHour();
    world.clock.advance(2 * HOUR);
    expect(await flagOverdue(world.services, created.document.id, 'flag')).toBe('flagged');
    const flagged = await scanOverdue(world.services, 'scan-flagged');

    await performTaskAction(world.services, manager, created.document.id, 'complete', null, {}, writeContext(manager));
    const completed = await scanOverdue(world.services, 'scan-completed');

    expect(completed.backlog.IA).toBe(flagged.backlog.IA - 1);
    expect(completed.backlog.IA).toBe(await flaggedOpenTasks('IA'));
  });
});
