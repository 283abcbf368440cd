import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../shared/auth/roles.js';
import { TOPICS } from '../../../shared/config/entities.js';
import { AppError } from '../../../shared/errors/app-error.js';
import type { TaskEvent } from '../../../shared/schemas/event.js';
import type { TaskRepository } from '../../../shared/store/task-repository.js';
import { performTaskAction, type ActionInput, type WorkflowAction } from '../../../shared/use-cases/task-actions.js';
import { admin, afterEachRead, caseworker, CHARLIE, CHRIS, CIVIL_CASEWORKER, ELSEWHERE, HOME, lockstep, manager, notAssignable, principalOf, recordingWrites, refusal, viewer, writeContext } from './fixtures.js';
import { eventsFor, newTask, storedTask, useWorld } from './harness.js';

const world = useWorld();

const chris = principalOf(CHRIS);

function act(principal: Principal, id: string, action: WorkflowAction, input: ActionInput = {}, ifMatch: string | null = null, tasks?: TaskRepository) {
  const deps = tasks ? { ...world.services, tasks } : world.services;
  return performTaskAction(deps, principal, id, action, ifMatch, input, writeContext(principal, `corr-${action}`));
}

/**
 * The task repository, except that the first `parties` reads wait for each other: every caller has
 * read the same version before any of them writes. Conditional writes are recorded with their outcome.
 */
function readTogether(real: TaskRepository, parties: number) {
  const arrive = lockstep(parties);
  return recordingWrites(
    afterEachRead(real, () => arrive()),
    (document) => ({ assignee: document.assignee }),
  );
}

describe('performTaskAction: each action', () => {
  it('claim: an unassigned task becomes the caller\'s, in progress (task.claimed)', async () => {
    const task = await newTask(world);
    const after = await act(caseworker, task.document.id, 'claim');
    expect(after.etag).toBe('"2"');
    expect((await storedTask(world, task.document.id)).document).toMatchObject({ assignee: caseworker.userId, status: 'in_progress', version: 2, pendingEvents: [] });
    const claimed = eventsFor(world, task.document.id)[1]!;
    expect(claimed).toMatchObject({
      type: 'task.claimed',
      sequence: 2,
      changes: ['status', 'assignee'],
      actor: { userId: caseworker.userId, name: caseworker.name },
      correlationId: 'corr-claim',
    });
  });

  it('unclaim: back to the queue, unassigned and pending (task.unclaimed)', async () => {
    const task = await newTask(world);
    await act(caseworker, task.document.id, 'claim');
    await act(caseworker, task.document.id, 'unclaim');
    expect((await storedTask(world, task.document.id)).document).toMatchObject({ assignee: null, status: 'pending', version: 3 });
    expect(eventsFor(world, task.document.id).map((event) => [event.type, event.changes])).toEqual([
      ['task.created', []],
      ['task.claimed', ['status', 'assignee']],
      ['task.unclaimed', ['status', 'assignee']],
    ]);
  });

  it('assign: a manager gives the task to an assignable caseworker, the status untouched (task.assigned)', async () => {
    const task = await newTask(world);
    await act(manager, task.document.id, 'assign', { userId: CHRIS });
    expect((await storedTask(world, task.document.id)).document).toMatchObject({ assignee: CHRIS, status: 'pending', version: 2 });
    expect(eventsFor(world, task.document.id)[1]).toMatchObject({ type: 'task.assigned', changes: ['assignee'], actor: { userId: manager.userId } });
  });

  it('assign null: work in progress goes back to the queue as pending', async () => {
    const task = await newTask(world);
    await act(chris, task.document.id, 'claim');
    await act(manager, task.document.id, 'assign', { userId: null });
    expect((await storedTask(world, task.document.id)).document).toMatchObject({ assignee: null, status: 'pending', version: 3 });
    expect(eventsFor(world, task.document.id)[2]).toMatchObject({ type: 'task.assigned', changes: ['status', 'assignee'] });
  });

  it('complete: the assignee finishes the task, stamped now (task.completed)', async () => {
    const task = await newTask(world);
    await act(caseworker, task.document.id, 'claim');
    await act(caseworker, task.document.id, 'complete');
    expect((await storedTask(world, task.document.id)).document).toMatchObject({ status: 'completed', completedAt: world.clock.now().toISOString(), version: 3 });
    expect(eventsFor(world, task.document.id)[2]).toMatchObject({ type: 'task.completed', changes: ['status'] });
  });

  it('complete: a manager may finish a task someone else holds', async () => {
    const task = await newTask(world, manager, { assignee: CHRIS });
    await act(manager, task.document.id, 'complete');
    expect((await storedTask(world, task.document.id)).document).toMatchObject({ status: 'completed', assignee: CHRIS });
  });

  it('cancel: records the reason and the time (task.cancelled)', async () => {
    const task = await newTask(world, manager, { assignee: caseworker.userId });
    await act(caseworker, task.document.id, 'cancel', { reason: 'Raised on the wrong case' });
    expect((await storedTask(world, task.document.id)).document).toMatchObject({
      status: 'cancelled',
      cancelledAt: world.clock.now().toISOString(),
      cancellationReason: 'Raised on the wrong case',
      version: 2,
    });
    const cancelled = eventsFor(world, task.document.id)[1]!;
    expect(cancelled).toMatchObject({ type: 'task.cancelled', changes: ['status', 'cancellationReason'] });
    expect(cancelled.after!.cancellationReason).toBe('Raised on the wrong case');
  });

  it('reopen: a finished task goes back to pending with its assignee, finish stamps cleared (task.reopened)', async () => {
    const task = await newTask(world, manager, { assignee: CHRIS });
    await act(manager, task.document.id, 'cancel', { reason: 'Not needed' });
    await act(manager, task.document.id, 'reopen');
    expect((await storedTask(world, task.document.id)).document).toMatchObject({
      status: 'pending',
      assignee: CHRIS,
      cancelledAt: null,
      cancellationReason: null,
      completedAt: null,
      version: 3,
    });
    expect(eventsFor(world, task.document.id).map((event) => event.type)).toEqual(['task.created', 'task.cancelled', 'task.reopened']);
  });

  it('publishes exactly one event per action, each message id being its event id, chained by hash', async () => {
    const task = await newTask(world);
    await act(caseworker, task.document.id, 'claim');
    await act(caseworker, task.document.id, 'complete');
    await act(manager, task.document.id, 'reopen');
    const messages = world.messaging.sentTo(TOPICS.taskEvents.name).filter((message) => message.applicationProperties?.taskId === task.document.id);
    expect(messages.map((message) => message.subject)).toEqual(['task.created', 'task.claimed', 'task.completed', 'task.reopened']);
    expect(messages.map((message) => message.messageId)).toEqual(messages.map((message) => (message.body as TaskEvent).id));
    const events = eventsFor(world, task.document.id);
    expect(events.map((event) => event.sequence)).toEqual([1, 2, 3, 4]);
    for (let i = 1; i < events.length; i++) expect(events[i]!.previousHash).toBe(events[i - 1]!.hash);
    expect((await storedTask(world, task.document.id)).document.lastEventHash).toBe(events[3]!.hash);
  });
});

describe('performTaskAction: racing claimants', () => {
  it('lets exactly one of two concurrent claimants win; the other is told who holds the task (409)', async () => {
    const task = await newTask(world);
    const results = await Promise.allSettled([act(caseworker, task.document.id, 'claim'), act(chris, task.document.id, 'claim')]);
    const won = results.filter((result) => result.status === 'fulfilled');
    const lost = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);

    const holder = (await storedTask(world, task.document.id)).document.assignee!;
    expect([caseworker.userId, CHRIS]).toContain(holder);
    expect(lost[0]!.reason).toBeInstanceOf(AppError);
    expect(lost[0]!.reason).toMatchObject({ kind: 'conflict', detail: `Cannot claim the task: the task is already assigned to ${holder}.` });
    expect((await storedTask(world, task.document.id)).document).toMatchObject({ status: 'in_progress', version: 2 });
    expect(eventsFor(world, task.document.id).map((event) => event.type)).toEqual(['task.created', 'task.claimed']);
  });

  it('when both have read the unassigned task, the database refuses the second write and the re-run decision names the winner', async () => {
    const task = await newTask(world);
    const { tasks, writes } = readTogether(world.services.tasks, 2);
    const results = await Promise.allSettled([
      act(caseworker, task.document.id, 'claim', {}, null, tasks),
      act(chris, task.document.id, 'claim', {}, null, tasks),
    ]);

    expect(writes.filter((write) => write.outcome === 'preconditionFailed')).toHaveLength(1);
    expect(writes.filter((write) => write.outcome === 'written')).toHaveLength(1);
    const winner = writes.find((write) => write.outcome === 'written')!.assignee!;
    const loserIndex = winner === caseworker.userId ? 1 : 0;
    expect(results[1 - loserIndex]!.status).toBe('fulfilled');
    expect(results[loserIndex]).toMatchObject({
      status: 'rejected',
      reason: { kind: 'conflict', detail: `Cannot claim the task: the task is already assigned to ${winner}.` },
    });
    expect((await storedTask(world, task.document.id)).document).toMatchObject({ assignee: winner, version: 2 });
    expect(eventsFor(world, task.document.id).filter((event) => event.type === 'task.claimed')).toHaveLength(1);
  });
});

describe('performTaskAction: refusals', () => {
  it('assign: refuses a user who cannot hold the task, naming userId and only the task', async () => {
    const task = await newTask(world);
    const unknown = await refusal(act(manager, task.document.id, 'assign', { userId: 'nobody-at-all' }));
    expect(unknown.kind).toBe('validation');
    expect(unknown.options.errors).toEqual([{ in: 'body', field: 'userId', message: notAssignable('IA', HOME) }]);

    // A user who exists but works in another jurisdiction is answered in the very same words.
    const civil = await refusal(act(manager, task.document.id, 'assign', { userId: CIVIL_CASEWORKER }));
    expect([civil.kind, civil.detail, civil.options.errors]).toEqual([unknown.kind, unknown.detail, unknown.options.errors]);
    expect((await storedTask(world, task.document.id)).document).toMatchObject({ assignee: null, version: 1 });
  });

  it('assign: refuses a caseworker (403), even assigning to themselves, before looking the user up', async () => {
    const task = await newTask(world);
    const error = await refusal(act(caseworker, task.document.id, 'assign', { userId: caseworker.userId }));
    expect(error.kind).toBe('forbidden');
    expect(error.detail).toBe('You may not assign this task.');
    // Rights come before reference data: naming someone who does not exist is the same 403, not a 400.
    const unknown = await refusal(act(caseworker, task.document.id, 'assign', { userId: 'nobody-at-all' }));
    expect([unknown.kind, unknown.detail]).toEqual([error.kind, error.detail]);
  });

  it('assign: answers 404 for a task outside the manager\'s scope, before checking the assignee', async () => {
    const civil = await newTask(world, admin, { jurisdiction: 'CIVIL', locationId: ELSEWHERE });
    const error = await refusal(act(manager, civil.document.id, 'assign', { userId: 'nobody-at-all' }));
    expect(error.kind).toBe('notFound');
  });

  it('complete: refuses a caseworker who does not hold the task (409: claim it first)', async () => {
    const task = await newTask(world);
    const error = await refusal(act(caseworker, task.document.id, 'complete'));
    expect(error.kind).toBe('conflict');
    expect(error.detail).toBe('Cannot complete the task: claim the task first.');
    expect((await storedTask(world, task.document.id)).document).toMatchObject({ status: 'pending', version: 1 });
  });

  it("complete: a task someone else holds does not exist for a caseworker (404)", async () => {
    const task = await newTask(world, manager, { assignee: CHRIS });
    expect((await refusal(act(caseworker, task.document.id, 'complete'))).kind).toBe('notFound');
  });

  it('unclaim: refuses a caseworker an unassigned task (409, assignee nobody)', async () => {
    const task = await newTask(world);
    const error = await refusal(act(caseworker, task.document.id, 'unclaim'));
    expect(error.kind).toBe('conflict');
    expect(error.detail).toBe('Cannot unclaim the task: the task is not assigned to you (assignee: nobody).');
  });

  it('claim: refuses a finished task (409) and a viewer (403)', async () => {
    const task = await newTask(world);
    expect((await refusal(act(viewer, task.document.id, 'claim'))).kind).toBe('forbidden');
    await act(manager, task.document.id, 'complete');
    const error = await refusal(act(caseworker, task.document.id, 'claim'));
    expect(error.kind).toBe('conflict');
    expect(error.detail).toBe('Cannot claim the task: the task is completed.');
  });

  it('claim: a caseworker cannot claim a task at a location outside their scope (404)', async () => {
    const task = await newTask(world, manager, { locationId: ELSEWHERE });
    expect((await refusal(act(principalOf(CHARLIE), task.document.id, 'claim'))).kind).toBe('notFound');
  });

  it('reopen: refuses an open task (409) and a caseworker (403)', async () => {
    const task = await newTask(world, manager, { assignee: caseworker.userId });
    const open = await refusal(act(manager, task.document.id, 'reopen'));
    expect(open.kind).toBe('conflict');
    expect(open.detail).toBe('Cannot reopen the task: the task is pending, not completed or cancelled.');
    await act(caseworker, task.document.id, 'complete');
    expect((await refusal(act(caseworker, task.document.id, 'reopen'))).kind).toBe('forbidden');
  });

  it('answers 404 for a task that does not exist', async () => {
    expect((await refusal(act(manager, '22222222-2222-4222-8222-222222222222', 'claim'))).kind).toBe('notFound');
  });
});

describe('performTaskAction: optional If-Match', () => {
  it('refuses a stale If-Match (412) with the current ETag, and writes nothing', async () => {
    const task = await newTask(world);
    await act(manager, task.document.id, 'assign', { userId: CHRIS });
    const error = await refusal(act(manager, task.document.id, 'cancel', { reason: 'late' }, '"1"'));
    expect(error.kind).toBe('preconditionFailed');
    expect(error.options.currentEtag).toBe('"2"');
    expect((await storedTask(world, task.document.id)).document).toMatchObject({ status: 'pending', version: 2 });
  });

  it('accepts the current If-Match, and no If-Match at all', async () => {
    const task = await newTask(world);
    const claimed = await act(caseworker, task.document.id, 'claim', {}, '"1"');
    expect(claimed.etag).toBe('"2"');
    const completed = await act(caseworker, task.document.id, 'complete', {}, null);
    expect(completed.etag).toBe('"3"');
  });
});
