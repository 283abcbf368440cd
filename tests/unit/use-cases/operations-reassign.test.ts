import { describe, expect, it } from 'vitest';
import { ADDRESSED_TO_PROPERTY, QUEUES, TOPICS } from '../../../shared/config/entities.js';
import { chunkDocumentId, chunkMessageId, REASSIGN_CHUNK_SIZE } from '../../../shared/domain/operation-chunks.js';
import type { StoredTask } from '../../../shared/domain/task-document.js';
import type { UserDocument } from '../../../shared/domain/user-document.js';
import { AppError } from '../../../shared/errors/app-error.js';
import type { TaskEvent } from '../../../shared/schemas/event.js';
import type { ChunkMessage, OperationDocument } from '../../../shared/schemas/operation.js';
import { deleteTask } from '../../../shared/use-cases/delete-task.js';
import { processChunk } from '../../../shared/use-cases/process-chunk.js';
import { reassignChunk } from '../../../shared/use-cases/reassign-chunk.js';
import { startReassign } from '../../../shared/use-cases/start-reassign.js';
import { updateTask } from '../../../shared/use-cases/update-task.js';
import { performTaskAction } from '../../../shared/use-cases/task-actions.js';
import { DEMO_LOCATIONS } from '../../../dev/demo-users.js';
import { admin, CASEY, CHARLIE, CHRIS, chunkMessage, directoryEntry, chunkRun, fakeInvocation, HOME, INVOCATION_TRACEPARENT, manager, newTaskInput, notAssignable, startContext, writeContext, splitTraceContext } from './fixtures.js';
import { sameTrace } from '../../../shared/telemetry/trace-context.js';
import { newTask, storedTask, useWorld } from './harness.js';

const world = useWorld();

/** The worker's invocation trace (fakeInvocation's), which the reassignments it makes carry on. */
const TRACEPARENT = INVOCATION_TRACEPARENT;

/** A directory entry of its own for each test: a caseworker who works in IA and in CIVIL (outside the manager's scope). */
let userCounter = 0;
async function newCaseworker(overrides: Partial<UserDocument> = {}): Promise<string> {
  userCounter += 1;
  const id = `e0000000-0000-4000-8000-${String(userCounter).padStart(12, '0')}`;
  const entry: Partial<UserDocument> = { name: `Rory Reassigned ${userCounter}`, email: `rory.${userCounter}@justice.example`, jurisdictions: ['IA', 'CIVIL'], ...overrides };
  await world.services.users.upsert(directoryEntry(id, entry, world.clock.now().toISOString()));
  return id;
}

/** A task the admin creates for someone (admins may create anywhere and for anyone). */
const taskFor = (assignee: string | null, overrides: Parameters<typeof newTaskInput>[0] = {}) => newTask(world, admin, { assignee, ...overrides });

/** Moves an assigned task to in_progress (its assignee stays). */
const startWork = async (task: StoredTask) =>
  updateTask(world.services, admin, task.document.id, task.etag, { status: 'in_progress' }, writeContext(admin));

const current = (task: StoredTask) => storedTask(world, task.document.id);
const stored = async (operation: OperationDocument) => (await world.services.operations.get(operation.id))!.document;
const chunkItems = async (operation: OperationDocument, chunk = 0) =>
  (await world.services.operations.getChunk(chunkDocumentId(operation.id, chunk)))!.items as string[];
const byId = (tasks: StoredTask[]) => tasks.map((task) => task.document.id).sort();

describe('startReassign and the reassign worker', () => {
  it("moves only fromUserId's open tasks in the requester's scope, each through an audited assignment", async () => {
    const rory = await newCaseworker();
    const pending = await taskFor(rory);
    const inProgress = await taskFor(rory);
    await startWork(inProgress);
    const inProgressNow = await current(inProgress);
    expect(inProgressNow.document).toMatchObject({ status: 'in_progress', assignee: rory });
    const completed = await taskFor(rory);
    await performTaskAction(world.services, admin, completed.document.id, 'complete', null, {}, writeContext(admin));
    const civil = await taskFor(rory, { jurisdiction: 'CIVIL' });
    const someoneElses = await taskFor(CASEY);
    const untouched = await Promise.all([completed, civil, someoneElses].map(current));

    const context = startContext('reassign-correlation');
    const operation = await startReassign(world.services, manager, { fromUserId: rory, toUserId: CHRIS }, context);

    expect(operation).toMatchObject({
      type: 'reassign',
      status: 'queued',
      requestedBy: { userId: manager.userId, name: manager.name },
      requester: { userId: manager.userId, roles: ['manager'], workScope: { jurisdictions: ['IA', 'SSCS', 'EMPLOYMENT'], locations: [] } },
      parameters: { fromUserId: rory, toUserId: CHRIS, jurisdiction: null },
      progress: { totalItems: 2, processedItems: 0, totalChunks: 1, completedChunks: 0 },
      dispatchedAt: world.clock.now().toISOString(),
    });
    expect(context.warnings).toEqual([]);
    expect((await chunkItems(operation)).sort()).toEqual(byId([pending, inProgress]));
    expect(world.messaging.sentTo(QUEUES.operations.name).filter((sent) => (sent.body as ChunkMessage).operationId === operation.id).map((sent) => splitTraceContext(sent).message)).toEqual([
      { messageId: chunkMessageId(operation.id, 0), body: { operationId: operation.id, chunk: 0 }, subject: 'operation.reassign', correlationId: 'reassign-correlation' },
    ]);

    const eventsBefore = world.messaging.sentTo(TOPICS.taskEvents.name).length;
    const invocation = fakeInvocation();
    expect(await processChunk(world.services, chunkMessage(operation, 0), chunkRun(invocation), 1)).toBe('processed');

    expect((await current(pending)).document).toMatchObject({ assignee: CHRIS, status: 'pending' });
    expect((await current(inProgress)).document).toMatchObject({ assignee: CHRIS, status: 'in_progress' });
    const after = await Promise.all([completed, civil, someoneElses].map(current));
    expect(after.map((task) => task.cosmosEtag)).toEqual(untouched.map((task) => task.cosmosEtag));
    expect(after.map((task) => task.document.assignee)).toEqual([rory, rory, CASEY]);

    const sentAfter = world.messaging.sentTo(TOPICS.taskEvents.name).slice(eventsBefore);
    // The finished operation also asks the notifications consumer for its summary emails.
    const jobs = sentAfter.filter((sent) => sent.applicationProperties?.[ADDRESSED_TO_PROPERTY] !== undefined);
    expect(jobs.map((sent) => sent.body)).toEqual([{ job: 'bulk-reassignment', operationId: operation.id }]);
    const published = sentAfter.filter((sent) => !jobs.includes(sent));
    const events = published.map((sent) => sent.body as TaskEvent);
    expect(events.map((event) => event.taskId).sort()).toEqual(byId([pending, inProgress]));
    for (const event of events) {
      expect(event).toMatchObject({
        type: 'task.assigned',
        actor: { userId: manager.userId, name: manager.name },
        correlationId: 'reassign-correlation',
        operationId: operation.id,
        changes: ['assignee'],
      });
      expect(event.before!.assignee).toBe(rory);
      expect(event.after!.assignee).toBe(CHRIS);
    }
    expect(published.every((sent) => sameTrace(splitTraceContext(sent).traceparent, TRACEPARENT))).toBe(true);
    expect(invocation.calls.warn).toEqual([]);

    expect(await stored(operation)).toMatchObject({
      status: 'succeeded',
      completedAt: world.clock.now().toISOString(),
      progress: { totalItems: 2, processedItems: 2, succeeded: 2, failed: 0, skipped: 0, completedChunks: 1 },
      errors: [],
      doneChunks: [0],
    });
  });

  it('counts a task already with the target as succeeded when a chunk is processed again, and changes nothing', async () => {
    const rory = await newCaseworker();
    const tasks = [await taskFor(rory), await taskFor(rory), await taskFor(rory)];
    const operation = await startReassign(world.services, manager, { fromUserId: rory, toUserId: CHRIS }, startContext('reassign-rerun'));
    const items = await chunkItems(operation);
    const context = writeContext(manager, 'reassign-rerun');

    expect(await reassignChunk(world.services, items, operation, context)).toEqual({ succeeded: 3, failed: 0, skipped: 0, errors: [] });
    const moved = await Promise.all(tasks.map(current));
    const eventsBefore = world.messaging.sentTo(TOPICS.taskEvents.name).length;

    // The worker died before merging: the redelivered chunk runs again and must count the same.
    expect(await reassignChunk(world.services, items, operation, context)).toEqual({ succeeded: 3, failed: 0, skipped: 0, errors: [] });
    expect((await Promise.all(tasks.map(current))).map((task) => task.cosmosEtag)).toEqual(moved.map((task) => task.cosmosEtag));
    expect(world.messaging.sentTo(TOPICS.taskEvents.name).length).toBe(eventsBefore);

    // Through processChunk, the chunk is then merged once.
    expect(await processChunk(world.services, chunkMessage(operation, 0), chunkRun(fakeInvocation()), 2)).toBe('processed');
    expect(await processChunk(world.services, chunkMessage(operation, 0), chunkRun(fakeInvocation()), 3)).toBe('already-done');
    expect((await stored(operation)).progress).toMatchObject({ totalItems: 3, processedItems: 3, succeeded: 3, skipped: 0, failed: 0 });
  });

  it('skips tasks that changed hands, finished, were deleted or never existed, and reports a target who may not hold a task', async () => {
    const rory = await newCaseworker();
    const elsewhere = await taskFor(rory, { locationId: DEMO_LOCATIONS[1].id });
    const atCharliesCourt = await taskFor(rory, { locationId: '765324' });
    const takenMeanwhile = await taskFor(rory);
    const finishedMeanwhile = await taskFor(rory);
    const deletedMeanwhile = await taskFor(rory);
    const operation = await startReassign(world.services, manager, { fromUserId: rory, toUserId: CHARLIE }, startContext('reassign-mixed'));
    expect(operation.progress.totalItems).toBe(5);

    await performTaskAction(world.services, manager, takenMeanwhile.document.id, 'assign', null, { userId: CASEY }, writeContext(manager));
    await performTaskAction(world.services, manager, finishedMeanwhile.document.id, 'complete', null, {}, writeContext(manager));
    await deleteTask(world.services, admin, deletedMeanwhile.document.id, (await current(deletedMeanwhile)).etag, writeContext(admin));
    const notFound = '5b0e5c35-8a6b-4f43-8b4b-000000000000';
    const items = [...(await chunkItems(operation)), notFound];

    const result = await reassignChunk(world.services, items, operation, writeContext(manager, 'reassign-mixed'));

    expect(result).toEqual({
      succeeded: 1,
      failed: 1,
      skipped: 4,
      errors: [{ item: elsewhere.document.id, field: 'toUserId', message: notAssignable('IA', DEMO_LOCATIONS[1].id) }],
    });
    expect((await current(atCharliesCourt)).document.assignee).toBe(CHARLIE);
    expect((await current(elsewhere)).document.assignee).toBe(rory);
    expect((await current(takenMeanwhile)).document.assignee).toBe(CASEY);
    expect((await current(finishedMeanwhile)).document).toMatchObject({ assignee: rory, status: 'completed' });
  });

  it('an admin reaches every jurisdiction; a task the target cannot hold ends the operation completed with errors', async () => {
    const rory = await newCaseworker();
    const ia = await taskFor(rory);
    const civil = await taskFor(rory, { jurisdiction: 'CIVIL' });
    const operation = await startReassign(world.services, admin, { fromUserId: rory, toUserId: CHRIS }, startContext('reassign-admin'));
    expect((await chunkItems(operation)).sort()).toEqual(byId([ia, civil]));

    expect(await processChunk(world.services, chunkMessage(operation, 0), chunkRun(fakeInvocation()), 1)).toBe('processed');

    expect(await stored(operation)).toMatchObject({
      status: 'completed_with_errors',
      progress: { totalItems: 2, processedItems: 2, succeeded: 1, failed: 1, skipped: 0 },
      errors: [{ item: civil.document.id, field: 'toUserId', message: notAssignable('CIVIL', HOME) }],
    });
    expect((await current(ia)).document.assignee).toBe(CHRIS);
    expect((await current(civil)).document.assignee).toBe(rory);
  });

  it('moves the tasks back to the queue (unassigned, pending) when toUserId is null, within one jurisdiction if asked', async () => {
    const rory = await newCaseworker({ jurisdictions: ['IA', 'SSCS'] });
    const ia = await taskFor(rory);
    await startWork(ia);
    expect((await current(ia)).document).toMatchObject({ status: 'in_progress', assignee: rory });
    const sscs = await taskFor(rory, { jurisdiction: 'SSCS' });
    const operation = await startReassign(world.services, manager, { fromUserId: rory, toUserId: null, jurisdiction: 'IA' }, startContext('reassign-queue'));
    expect(operation.parameters).toEqual({ fromUserId: rory, toUserId: null, jurisdiction: 'IA' });
    expect(await chunkItems(operation)).toEqual([ia.document.id]);

    expect(await processChunk(world.services, chunkMessage(operation, 0), chunkRun(fakeInvocation()), 1)).toBe('processed');
    expect((await current(ia)).document).toMatchObject({ assignee: null, status: 'pending' });
    expect((await current(sscs)).document.assignee).toBe(rory);
    // Already in the queue: a rerun counts it as done.
    expect(await reassignChunk(world.services, [ia.document.id], operation, writeContext(manager))).toEqual({ succeeded: 1, failed: 0, skipped: 0, errors: [] });
  });

  it('cuts a large caseload into chunks of REASSIGN_CHUNK_SIZE, one message each', async () => {
    const rory = await newCaseworker();
    const count = REASSIGN_CHUNK_SIZE + 1;
    for (let i = 0; i < count; i++) await taskFor(rory);
    const operation = await startReassign(world.services, manager, { fromUserId: rory, toUserId: CHRIS }, startContext('reassign-large'));
    expect(operation.progress).toMatchObject({ totalItems: count, totalChunks: 2 });
    expect(await chunkItems(operation, 0)).toHaveLength(REASSIGN_CHUNK_SIZE);
    expect(await chunkItems(operation, 1)).toHaveLength(1);
    const ids = world.messaging
      .sentTo(QUEUES.operations.name)
      .filter((sent) => (sent.body as ChunkMessage).operationId === operation.id)
      .map((sent) => sent.messageId);
    expect(ids).toEqual([chunkMessageId(operation.id, 0), chunkMessageId(operation.id, 1)]);

    const outcomes = await Promise.all([0, 1].map((chunk) => processChunk(world.services, chunkMessage(operation, chunk), chunkRun(fakeInvocation()), 1)));
    expect(outcomes).toEqual(['processed', 'processed']);
    expect(await stored(operation)).toMatchObject({ status: 'succeeded', progress: { processedItems: count, succeeded: count, completedChunks: 2 } });
  });

  it('refuses an unknown fromUserId and a deactivated toUserId before anything is queued, naming neither user', async () => {
    const rory = await newCaseworker();
    await taskFor(rory);
    const gone = await newCaseworker({ active: false });
    const queuedBefore = world.messaging.sentTo(QUEUES.operations.name).length;

    const unknown = startReassign(world.services, manager, { fromUserId: 'nobody-at-all', toUserId: CHRIS }, startContext('x'));
    await expect(unknown).rejects.toBeInstanceOf(AppError);
    await expect(unknown).rejects.toMatchObject({
      kind: 'validation',
      options: { errors: [{ in: 'body', field: 'fromUserId', message: 'is not a user in your work scope' }] },
    });
    await expect(startReassign(world.services, manager, { fromUserId: rory, toUserId: gone }, startContext('y'))).rejects.toMatchObject({
      kind: 'validation',
      options: { errors: [{ in: 'body', field: 'toUserId', message: 'is not an active user in your work scope' }] },
    });
    expect(world.messaging.sentTo(QUEUES.operations.name).length).toBe(queuedBefore);
  });
});
