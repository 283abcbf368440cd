import { describe, expect, it } from 'vitest';
import type { CreateTaskInput } from '../../../shared/schemas/task.js';
import { taskEventSchema, type TaskEvent } from '../../../shared/schemas/event.js';
import { createTask, prepareNewTask } from '../../../shared/use-cases/create-task.js';
import { admin, caseworker, CHARLIE, CHRIS, CIVIL_CASEWORKER, directoryEntry, ELSEWHERE, HOME, manager, newTaskInput, notAssignable, principalOf, refusal, VIEWER, writeContext, splitTraceContext } from './fixtures.js';
import { sameTrace } from '../../../shared/telemetry/trace-context.js';
import { publishedFor, useWorld } from './harness.js';

const DEACTIVATED_IA_CASEWORKER = 'c0000000-0000-4000-8fff-000000000001';

const world = useWorld(async (started) => {
  const timestamp = started.clock.now().toISOString();
  await started.services.users.upsert(
    directoryEntry(DEACTIVATED_IA_CASEWORKER, { name: 'Dana Departed', email: 'dana.departed@justice.example', active: false }, timestamp),
  );
});

/** The input as a client sends it when it leaves `assignee` out altogether. */
function withoutAssignee(input: CreateTaskInput): CreateTaskInput {
  const { assignee: _omitted, ...rest } = input;
  return rest as CreateTaskInput;
}

/** How many tasks (deleted or not) the database holds for a case. */
async function tasksOnCase(caseId: string): Promise<number> {
  const { resources } = await world.services.database
    .container('tasks')
    .items.query<number>({ query: 'SELECT VALUE COUNT(1) FROM c WHERE c.caseId = @caseId', parameters: [{ name: '@caseId', value: caseId }] })
    .fetchAll();
  return resources[0] ?? 0;
}

describe('prepareNewTask: who the new task belongs to', () => {
  it("gives a caseworker's new task to them when no assignee is named", async () => {
    expect(await prepareNewTask(world.services, caseworker, withoutAssignee(newTaskInput()))).toBe(caseworker.userId);
    expect(await prepareNewTask(world.services, principalOf(CHARLIE), withoutAssignee(newTaskInput({ locationId: HOME })))).toBe(CHARLIE);
  });

  it("leaves a manager's and an admin's new task unassigned when no assignee is named", async () => {
    expect(await prepareNewTask(world.services, manager, withoutAssignee(newTaskInput()))).toBeNull();
    expect(await prepareNewTask(world.services, admin, withoutAssignee(newTaskInput({ jurisdiction: 'CIVIL', locationId: ELSEWHERE })))).toBeNull();
  });

  it('keeps an explicit choice: a caseworker may leave the task unassigned or name themselves, a manager may name an assignable caseworker', async () => {
    expect(await prepareNewTask(world.services, caseworker, newTaskInput({ assignee: null }))).toBeNull();
    expect(await prepareNewTask(world.services, caseworker, newTaskInput({ assignee: caseworker.userId }))).toBe(caseworker.userId);
    expect(await prepareNewTask(world.services, manager, newTaskInput({ assignee: CHRIS }))).toBe(CHRIS);
    expect(await prepareNewTask(world.services, manager, newTaskInput({ assignee: manager.userId }))).toBe(manager.userId);
    expect(await prepareNewTask(world.services, admin, newTaskInput({ jurisdiction: 'CIVIL', locationId: ELSEWHERE, assignee: CIVIL_CASEWORKER }))).toBe(CIVIL_CASEWORKER);
  });

  it('writes and publishes nothing', async () => {
    const input = newTaskInput();
    const sentBefore = world.messaging.sent.length;
    await prepareNewTask(world.services, manager, input);
    expect(await tasksOnCase(input.caseId)).toBe(0);
    expect(world.messaging.sent.length).toBe(sentBefore);
  });
});

describe('prepareNewTask: reference data', () => {
  it('refuses an unknown location, naming locationId', async () => {
    const error = await refusal(prepareNewTask(world.services, manager, newTaskInput({ locationId: '999999' })));
    expect(error.kind).toBe('validation');
    expect(error.options.errors).toEqual([{ in: 'body', field: 'locationId', message: 'is not a known location (999999)' }]);
    expect(error.detail).toBe('locationId: is not a known location (999999)');
  });

  it("refuses a jurisdiction other than the imported case's, naming jurisdiction and the case but not the case's jurisdiction", async () => {
    const input = newTaskInput({ jurisdiction: 'IA' });
    await world.services.reference.upsertCase(
      { caseId: input.caseId, jurisdiction: 'SSCS', locationId: HOME, caseName: 'Appellant v DWP', caseType: 'Benefit' },
      world.clock.now().toISOString(),
    );
    const error = await refusal(prepareNewTask(world.services, manager, input));
    expect(error.kind).toBe('validation');
    expect(error.options.errors).toEqual([{ in: 'body', field: 'jurisdiction', message: `is not the jurisdiction of case ${input.caseId}` }]);

    // The same case with its own jurisdiction is fine (SSCS is in the manager's scope).
    expect(await prepareNewTask(world.services, manager, { ...input, jurisdiction: 'SSCS' })).toBeNull();
  });

  it('accepts a case reference that has not been imported yet', async () => {
    const input = newTaskInput();
    expect(await world.services.reference.getCase(input.caseId)).toBeUndefined();
    await expect(prepareNewTask(world.services, manager, input)).resolves.toBeNull();
  });

  it.each([
    ['an unknown user', 'no-such-user', HOME],
    ['a deactivated user', DEACTIVATED_IA_CASEWORKER, HOME],
    ['a user who is neither caseworker nor manager', VIEWER, HOME],
    ['a caseworker of another jurisdiction', CIVIL_CASEWORKER, HOME],
    ['a caseworker who does not work at the location', CHARLIE, ELSEWHERE],
  ] as const)('refuses %s as assignee, naming assignee and only the task', async (_, assignee, locationId) => {
    const error = await refusal(prepareNewTask(world.services, manager, newTaskInput({ locationId, assignee })));
    expect(error.kind).toBe('validation');
    expect(error.options.errors).toEqual([{ in: 'body', field: 'assignee', message: notAssignable('IA', locationId) }]);
    expect(error.detail).not.toContain(assignee);
  });
});

describe('prepareNewTask: scope', () => {
  it("refuses a manager a task in a jurisdiction outside their scope (403), before looking at reference data", async () => {
    const error = await refusal(prepareNewTask(world.services, manager, newTaskInput({ jurisdiction: 'CIVIL', locationId: ELSEWHERE })));
    expect(error.kind).toBe('forbidden');
    expect(error.detail).toBe(`You cannot create tasks in CIVIL at location ${ELSEWHERE}: it is outside your work scope.`);

    // Out of scope wins over an unknown location: nothing about reference data leaks outside the scope.
    const unknownPlace = await refusal(prepareNewTask(world.services, manager, newTaskInput({ jurisdiction: 'FAMILY', locationId: '999999' })));
    expect(unknownPlace.kind).toBe('forbidden');
  });

  it("refuses the southern manager an IA task (forbidden)", async () => {
    const southernManager = principalOf('b0000000-0000-4000-8000-000000000002');
    expect((await refusal(prepareNewTask(world.services, southernManager, newTaskInput()))).kind).toBe('forbidden');
  });

  it('refuses a caseworker a task at a location outside their scope (forbidden)', async () => {
    const error = await refusal(prepareNewTask(world.services, principalOf(CHARLIE), newTaskInput({ locationId: ELSEWHERE })));
    expect(error.kind).toBe('forbidden');
    expect(error.detail).toBe(`You cannot create tasks in IA at location ${ELSEWHERE}: it is outside your work scope.`);
  });

  it('refuses a caseworker a task assigned to someone else (forbidden), even an assignable colleague', async () => {
    const error = await refusal(prepareNewTask(world.services, caseworker, newTaskInput({ assignee: CHRIS })));
    expect(error.kind).toBe('forbidden');
    expect(error.detail).toBe('Only managers and admins may create a task assigned to someone else.');
  });
});

describe('createTask', () => {
  it('stores version 1 of the task, pending, created by the caller now, with the outbox empty once published', async () => {
    const input = newTaskInput({ title: 'Review the Bundle', description: 'All Pages', priority: 'high' });
    const created = await createTask(world.services, manager, input, writeContext(manager));
    const stored = (await world.services.tasks.get(created.document.id))!;
    const now = world.clock.now().toISOString();

    expect(created.etag).toBe('"1"');
    expect(stored.etag).toBe('"1"');
    expect(created.document.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(stored.document).toEqual({
      id: created.document.id,
      caseId: input.caseId,
      jurisdiction: 'IA',
      locationId: HOME,
      title: 'Review the Bundle',
      description: 'All Pages',
      status: 'pending',
      priority: 'high',
      priorityRank: 3,
      dueDate: input.dueDate,
      assignee: null,
      createdBy: manager.userId,
      createdAt: now,
      updatedAt: now,
      completedAt: null,
      cancelledAt: null,
      cancellationReason: null,
      deletedAt: null,
      overdue: false,
      overdueSince: null,
      searchText: 'review the bundle\nall pages',
      version: 1,
      lastEventHash: created.document.lastEventHash,
      pendingEvents: [],
      outboxSince: null,
      schemaVersion: 1,
    });
    expect(stored.document.lastEventHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("stores a caseworker's task as theirs when no assignee is named", async () => {
    const created = await createTask(world.services, caseworker, withoutAssignee(newTaskInput()), writeContext(caseworker));
    expect((await world.services.tasks.get(created.document.id))!.document).toMatchObject({ assignee: caseworker.userId, createdBy: caseworker.userId, status: 'pending' });
  });

  it('publishes one task.created event to the task-events topic, whose message id is the event id', async () => {
    const context = { ...writeContext(manager, 'corr-create-1'), traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    const created = await createTask(world.services, manager, newTaskInput({ assignee: CHRIS }), context);
    const sent = publishedFor(world, created.document.id);
    expect(sent).toHaveLength(1);
    const message = sent[0]!;
    const event = taskEventSchema.parse(message.body) as TaskEvent;

    expect(message.messageId).toBe(event.id);
    expect(message.subject).toBe('task.created');
    expect(message.correlationId).toBe('corr-create-1');
    const { message: withoutTrace, traceparent } = splitTraceContext(message);
    expect(withoutTrace.applicationProperties).toEqual({
      eventType: 'task.created',
      schemaVersion: 1,
      taskId: created.document.id,
      jurisdiction: 'IA',
      sequence: 1,
      correlationId: 'corr-create-1',
    });
    // The send is a span of its own in the request's trace, and the event keeps the request's trace context.
    expect(sameTrace(traceparent, context.traceparent)).toBe(true);
    expect(traceparent).not.toBe(context.traceparent);
    expect(event).toMatchObject({
      type: 'task.created',
      taskId: created.document.id,
      caseId: created.document.caseId,
      jurisdiction: 'IA',
      actor: { userId: manager.userId, name: manager.name },
      occurredAt: world.clock.now().toISOString(),
      correlationId: 'corr-create-1',
      sequence: 1,
      previousHash: null,
      before: null,
      changes: [],
    });
    expect(event.after).toMatchObject({ id: created.document.id, version: 1, assignee: CHRIS, status: 'pending', createdBy: manager.userId });
    expect(event.hash).toBe((await world.services.tasks.get(created.document.id))!.document.lastEventHash);
    expect(context.warnings).toEqual([]);
  });

  it('writes and publishes nothing when the task is refused', async () => {
    const sentBefore = world.messaging.sent.length;
    const refusedInputs = [
      newTaskInput({ locationId: '999999' }),
      newTaskInput({ assignee: 'no-such-user' }),
      newTaskInput({ jurisdiction: 'CIVIL', locationId: ELSEWHERE }),
    ];
    for (const input of refusedInputs) {
      await refusal(createTask(world.services, manager, input, writeContext(manager)));
      expect(await tasksOnCase(input.caseId)).toBe(0);
    }
    expect(world.messaging.sent.length).toBe(sentBefore);
  });

  it('refuses a due date that is not in the future, naming dueDate', async () => {
    const input = newTaskInput({ dueDate: world.clock.now().toISOString() });
    const error = await refusal(createTask(world.services, manager, input, writeContext(manager)));
    expect(error.kind).toBe('validation');
    expect(error.options.errors).toEqual([{ in: 'body', field: 'dueDate', message: 'must be in the future' }]);
    expect(await tasksOnCase(input.caseId)).toBe(0);
  });

  it('gives every task its own id, even two identical inputs', async () => {
    const input = newTaskInput();
    const first = await createTask(world.services, manager, input, writeContext(manager));
    const second = await createTask(world.services, manager, input, writeContext(manager));
    expect(first.document.id).not.toBe(second.document.id);
    expect(await tasksOnCase(input.caseId)).toBe(2);
  });
});
