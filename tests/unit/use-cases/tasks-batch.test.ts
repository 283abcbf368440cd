import { describe, expect, it } from 'vitest';
import { TOPICS } from '../../../shared/config/entities.js';
import type { StoredTask, TaskDocument } from '../../../shared/domain/task-document.js';
import { AppError } from '../../../shared/errors/app-error.js';
import type { TaskRepository } from '../../../shared/store/task-repository.js';
import { runBatch, type BatchOutcome } from '../../../shared/use-cases/batch-tasks.js';
import { admin, caseworker, CIVIL_CASEWORKER, ELSEWHERE, manager, newTaskInput, writeContext } from './fixtures.js';
import { newTask, storedTask, useWorld } from './harness.js';

const world = useWorld();

/** The refusal of an outcome, failing the test if the item was not refused. */
function refusedWith(outcome: BatchOutcome | undefined): AppError {
  expect(outcome?.kind).toBe('refused');
  const error = (outcome as { error: unknown }).error;
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

function taskOf(outcome: BatchOutcome | undefined): StoredTask {
  expect(['created', 'updated']).toContain(outcome?.kind);
  return (outcome as { task: StoredTask }).task;
}

describe('runBatch', () => {
  it('applies each item on its own, in order, with an outcome per index', async () => {
    const existing = await newTask(world);
    const first = newTaskInput({ title: 'Batch one' });
    const last = newTaskInput({ title: 'Batch last' });
    const outcomes = await runBatch(
      world.services,
      manager,
      [
        { op: 'create', task: first },
        { op: 'create', task: { ...newTaskInput(), title: '' } },
        { op: 'update', id: existing.document.id, ifMatch: '"1"', patch: { priority: 'urgent' } },
        // Chained on the item before: its ETag is the version that item produced.
        { op: 'update', id: existing.document.id, ifMatch: '"2"', patch: { title: 'Renamed in a batch' } },
        { op: 'update', id: existing.document.id, ifMatch: '"1"', patch: { priority: 'low' } },
        { op: 'create', task: last },
      ],
      writeContext(manager),
    );

    expect(outcomes.map(({ index, op, kind }) => ({ index, op, kind }))).toEqual([
      { index: 0, op: 'create', kind: 'created' },
      { index: 1, op: 'create', kind: 'refused' },
      { index: 2, op: 'update', kind: 'updated' },
      { index: 3, op: 'update', kind: 'updated' },
      { index: 4, op: 'update', kind: 'refused' },
      { index: 5, op: 'create', kind: 'created' },
    ]);

    const created = taskOf(outcomes[0]);
    expect((await storedTask(world, created.document.id)).document).toMatchObject({ title: 'Batch one', caseId: first.caseId, version: 1, assignee: null });
    expect(refusedWith(outcomes[1]).options.errors).toEqual([{ in: 'body', field: 'items.1.task.title', message: 'must not be empty' }]);
    expect(taskOf(outcomes[2]).etag).toBe('"2"');
    expect(taskOf(outcomes[3]).etag).toBe('"3"');
    const stale = refusedWith(outcomes[4]);
    expect(stale.kind).toBe('preconditionFailed');
    expect(stale.options.currentEtag).toBe('"3"');
    expect((await storedTask(world, existing.document.id)).document).toMatchObject({ version: 3, priority: 'urgent', title: 'Renamed in a batch' });
    expect((await storedTask(world, taskOf(outcomes[5]).document.id)).document.title).toBe('Batch last');

    const subjectsFor = (id: string) =>
      world.messaging
        .sentTo(TOPICS.taskEvents.name)
        .filter((message) => message.applicationProperties?.taskId === id)
        .map((message) => message.subject);
    expect(subjectsFor(existing.document.id)).toEqual(['task.created', 'task.updated', 'task.updated']);
    expect(subjectsFor(created.document.id)).toEqual(['task.created']);
  });

  it('refuses items of the wrong shape, naming their fields as items.<i>.…, and goes on with the rest', async () => {
    const existing = await newTask(world);
    const valid = newTaskInput({ title: 'After the bad ones' });
    const outcomes = await runBatch(
      world.services,
      manager,
      [
        null,
        'text',
        {},
        { op: 'create' },
        { op: 'update', id: 'not-a-uuid', ifMatch: '', patch: {} },
        { op: 'create', task: { ...newTaskInput(), extra: 1 } },
        { op: 'delete', id: existing.document.id },
        { op: 'create', task: valid },
      ],
      writeContext(manager),
    );

    expect(outcomes.map(({ index, op, kind }) => [index, op, kind])).toEqual([
      [0, null, 'refused'],
      [1, null, 'refused'],
      [2, null, 'refused'],
      [3, 'create', 'refused'],
      [4, 'update', 'refused'],
      [5, 'create', 'refused'],
      [6, 'delete', 'refused'],
      [7, 'create', 'created'],
    ]);
    for (const outcome of outcomes.slice(0, 7)) {
      const error = refusedWith(outcome);
      expect(error.kind).toBe('validation');
      for (const fieldError of error.options.errors!) {
        expect(fieldError.in).toBe('body');
        expect(fieldError.field).toMatch(new RegExp(`^items\\.${outcome.index}(\\.|$)`));
      }
    }
    expect(refusedWith(outcomes[0]).options.errors!.map((error) => error.message)).toEqual(['Invalid input: expected object, received null']);
    expect(refusedWith(outcomes[2]).options.errors).toEqual([{ in: 'body', field: 'items.2.op', message: 'is required' }]);
    expect(refusedWith(outcomes[3]).options.errors).toEqual([{ in: 'body', field: 'items.3.task', message: 'is required' }]);
    expect(refusedWith(outcomes[4]).options.errors!.map((error) => error.field)).toEqual(['items.4.id', 'items.4.ifMatch', 'items.4.patch']);
    expect(refusedWith(outcomes[4]).options.errors![0]!.message).toBe('must be a UUID');
    expect(refusedWith(outcomes[4]).options.errors![2]!.message).toBe('must change at least one field');
    expect(refusedWith(outcomes[5]).options.errors).toEqual([{ in: 'body', field: 'items.5.task.extra', message: 'is not a known field' }]);
    expect(refusedWith(outcomes[6]).options.errors!.map((error) => error.field)).toEqual(['items.6.op']);

    // Nothing was written for the refused items: the task an item tried to delete is untouched.
    expect((await storedTask(world, existing.document.id)).document).toMatchObject({ deletedAt: null, version: 1 });
    expect((await storedTask(world, taskOf(outcomes[7]).document.id)).document.title).toBe('After the bad ones');
  });

  it('updates a task created by an earlier item of the same batch', async () => {
    // Task ids are assigned on creation, so the update item is resolved only when the batch
    // reaches it: by then the earlier item must have been written.
    const createdIds: string[] = [];
    const real = world.services.tasks;
    const tasks = Object.assign(Object.create(real) as TaskRepository, {
      async create(document: TaskDocument) {
        createdIds.push(document.id);
        return real.create(document);
      },
    });
    const items: unknown[] = [{ op: 'create', task: newTaskInput({ title: 'Made in the batch' }) }];
    Object.defineProperty(items, 1, {
      enumerable: true,
      get: () => ({ op: 'update', id: createdIds[0], ifMatch: '"1"', patch: { assignee: caseworker.userId, status: 'in_progress' } }),
    });

    const outcomes = await runBatch({ ...world.services, tasks }, manager, items, writeContext(manager));
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['created', 'updated']);
    expect(createdIds).toHaveLength(1);
    expect(taskOf(outcomes[1]).document.id).toBe(createdIds[0]);
    expect((await storedTask(world, createdIds[0]!)).document).toMatchObject({
      title: 'Made in the batch',
      assignee: caseworker.userId,
      status: 'in_progress',
      version: 2,
    });
  });

  it("refuses an item the caller's scope does not allow (403 for a create, 404 for an update) without stopping the others", async () => {
    const civil = await newTask(world, admin, { jurisdiction: 'CIVIL', locationId: ELSEWHERE });
    const outcomes = await runBatch(
      world.services,
      manager,
      [
        { op: 'create', task: newTaskInput({ jurisdiction: 'CIVIL', locationId: ELSEWHERE }) },
        { op: 'update', id: civil.document.id, ifMatch: '"1"', patch: { title: 'Not mine' } },
        { op: 'create', task: newTaskInput() },
      ],
      writeContext(manager),
    );
    expect(refusedWith(outcomes[0]).kind).toBe('forbidden');
    expect(refusedWith(outcomes[1]).kind).toBe('notFound');
    expect(outcomes[2]!.kind).toBe('created');
    expect((await storedTask(world, civil.document.id)).document).toMatchObject({ title: civil.document.title, version: 1 });
  });

  it('applies the caller\'s own rules to each item: a caseworker\'s created task is theirs', async () => {
    const { assignee: _omitted, ...withoutAssignee } = newTaskInput();
    const outcomes = await runBatch(world.services, caseworker, [{ op: 'create', task: withoutAssignee }], writeContext(caseworker));
    expect(taskOf(outcomes[0]).document).toMatchObject({ assignee: caseworker.userId, createdBy: caseworker.userId });
  });

  it('reports an unexpected error as failed, with the error itself, and goes on', async () => {
    const boom = new Error('disk on fire');
    const real = world.services.tasks;
    const tasks = Object.assign(Object.create(real) as TaskRepository, {
      async create(document: TaskDocument) {
        if (document.title === 'Explodes') throw boom;
        return real.create(document);
      },
    });
    const outcomes = await runBatch(
      { ...world.services, tasks },
      manager,
      [
        { op: 'create', task: newTaskInput({ title: 'Explodes' }) },
        { op: 'create', task: newTaskInput({ title: 'Fine' }) },
      ],
      writeContext(manager),
    );
    expect(outcomes[0]).toEqual({ index: 0, op: 'create', kind: 'failed', error: boom });
    expect(outcomes[1]).toMatchObject({ index: 1, op: 'create', kind: 'created' });
  });

  it('returns no outcomes for no items', async () => {
    expect(await runBatch(world.services, manager, [], writeContext(manager))).toEqual([]);
  });

  // runBatch promises (and docs/workflow.md repeats) that a refused item names its bad fields as
  // `items.<i>.…`: shape errors, and the field errors of refusals raised while the item is applied
  // (reference data, due date, lifecycle), or a client could not tell which item's field is meant.
  it('names the fields of refusals raised while applying an item as items.<i>.…, like shape errors', async () => {
    const existing = await newTask(world);
    const outcomes = await runBatch(
      world.services,
      manager,
      [
        { op: 'create', task: newTaskInput() },
        { op: 'create', task: newTaskInput({ locationId: '999999' }) },
        { op: 'update', id: existing.document.id, ifMatch: '"1"', patch: { assignee: CIVIL_CASEWORKER } },
      ],
      writeContext(manager),
    );
    expect(refusedWith(outcomes[1]).kind).toBe('validation');
    expect(refusedWith(outcomes[1]).options.errors!.map((error) => error.field)).toEqual([expect.stringMatching(/^items\.1\.(task\.)?locationId$/)]);
    expect(refusedWith(outcomes[2]).options.errors!.map((error) => error.field)).toEqual([expect.stringMatching(/^items\.2\.(patch\.)?assignee$/)]);
  });
});
