import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors/app-error.js';
import type { CreateUserInput } from '../../../shared/schemas/user.js';
import { createTask } from '../../../shared/use-cases/create-task.js';
import { createUser } from '../../../shared/use-cases/manage-users.js';
import { startReassign } from '../../../shared/use-cases/start-reassign.js';
import { performTaskAction } from '../../../shared/use-cases/task-actions.js';
import { updateTask } from '../../../shared/use-cases/update-task.js';
import { caseworker, ELSEWHERE, HOME, manager, newTaskInput, notAssignable, startContext, writeContext } from './fixtures.js';
import { newTask, useWorld, type UseCaseWorld } from './harness.js';

/**
 * Authorization is decided before reference data is read, and what the reference data says about
 * things outside the caller's scope never shows in the answer: an unknown user or case and one the
 * caller may not know about get the same refusal, word for word.
 */

// The demo manager and caseworker both work in IA, SSCS and EMPLOYMENT.

let sequence = 0;
async function user(started: UseCaseWorld, jurisdictions: CreateUserInput['jurisdictions'], overrides: Partial<CreateUserInput> = {}): Promise<string> {
  sequence += 1;
  const id = `oracle-${sequence}`;
  await createUser(started.services, { id, name: `User ${sequence}`, email: `${id}@example.test`, roles: ['caseworker'], jurisdictions, locations: [], active: true, ...overrides });
  return id;
}

const users: Record<'unknown' | 'otherJurisdiction' | 'inactive' | 'viewer' | 'otherLocation' | 'suitable', string> = {} as never;

const world = useWorld(async (started) => {
  users.unknown = 'nobody-at-all';
  users.otherJurisdiction = await user(started, ['FAMILY']);
  users.inactive = await user(started, ['IA'], { active: false });
  users.viewer = await user(started, ['IA'], { roles: ['viewer'] });
  users.otherLocation = await user(started, ['IA'], { locations: [ELSEWHERE] });
  users.suitable = await user(started, ['IA']);
});

/** What the caller is told: the error's kind, detail and field errors (or that it succeeded). */
async function answer(attempt: Promise<unknown>): Promise<unknown> {
  try {
    await attempt;
    return 'succeeded';
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { kind: error.kind, detail: error.detail, errors: error.options.errors, extensions: error.options.extensions };
  }
}

async function expectIndistinguishable(attempts: Record<string, () => Promise<unknown>>): Promise<unknown> {
  const answers = Object.fromEntries(await Promise.all(Object.entries(attempts).map(async ([name, attempt]) => [name, await answer(attempt())])));
  const [first, ...rest] = Object.values(answers);
  for (const [name, other] of Object.entries(answers)) expect(other, `${name}: ${JSON.stringify(answers)}`).toEqual(first);
  expect(rest.length).toBeGreaterThan(0);
  return first;
}

describe('assignment by someone who may not assign', () => {
  it('PATCH assignee by a caseworker: 403 whether the user exists, is active, works in the jurisdiction or not', async () => {
    const task = await newTask(world, caseworker, { assignee: caseworker.userId });
    const attempt = (assignee: string) => () => updateTask(world.services, caseworker, task.document.id, task.etag, { assignee }, writeContext(caseworker));
    const refusal = await expectIndistinguishable(Object.fromEntries(Object.entries(users).map(([name, id]) => [name, attempt(id)])));
    expect(refusal).toMatchObject({ kind: 'forbidden' });
    expect(JSON.stringify(refusal)).not.toMatch(/oracle-|FAMILY|deactivated|known/);
  });

  it('creating a task for someone else as a caseworker: 403 whoever it names', async () => {
    const attempt = (assignee: string) => () => newTask(world, caseworker, { assignee });
    expect(await expectIndistinguishable(Object.fromEntries(Object.entries(users).map(([name, id]) => [name, attempt(id)])))).toMatchObject({ kind: 'forbidden' });
  });
});

describe('assignment by someone who may assign', () => {
  const unsuitable = () => Object.fromEntries(Object.entries(users).filter(([name]) => name !== 'suitable'));

  it('PATCH, PUT-style change, assign action and create: one 400 for unknown, out-of-scope, inactive and unsuitable users, naming only the task', async () => {
    const task = await newTask(world);
    const byPatch = await expectIndistinguishable(
      Object.fromEntries(Object.entries(unsuitable()).map(([name, id]) => [name, () => updateTask(world.services, manager, task.document.id, task.etag, { assignee: id }, writeContext(manager))])),
    );
    expect(byPatch).toEqual({
      kind: 'validation',
      detail: `assignee: ${notAssignable('IA', HOME)}`,
      errors: [{ in: 'body', field: 'assignee', message: notAssignable('IA', HOME) }],
      extensions: undefined,
    });
    const byAction = await expectIndistinguishable(
      Object.fromEntries(Object.entries(unsuitable()).map(([name, id]) => [name, () => performTaskAction(world.services, manager, task.document.id, 'assign', null, { userId: id }, writeContext(manager))])),
    );
    expect(byAction).toMatchObject({ kind: 'validation', errors: [{ field: 'userId' }] });
    const input = newTaskInput();
    const byCreate = await expectIndistinguishable(
      Object.fromEntries(Object.entries(unsuitable()).map(([name, id]) => [name, () => createTask(world.services, manager, { ...input, assignee: id }, writeContext(manager))])),
    );
    expect(byCreate).toMatchObject({ kind: 'validation', errors: [{ field: 'assignee' }] });
    // And the suitable user is accepted.
    expect(await answer(updateTask(world.services, manager, task.document.id, task.etag, { assignee: users.suitable }, writeContext(manager)))).toBe('succeeded');
  });
});

describe('bulk reassignment', () => {
  const start = (fromUserId: string, toUserId: string | null) =>
    startReassign(world.services, manager, { fromUserId, toUserId }, startContext('oracle'));

  it('fromUserId: an unknown user and one outside the manager’s jurisdictions get the same 400', async () => {
    const refusal = await expectIndistinguishable({
      unknown: () => start(users.unknown, null),
      outOfScope: () => start(users.otherJurisdiction, null),
    });
    expect(refusal).toEqual({
      kind: 'validation',
      detail: 'fromUserId: is not a user in your work scope',
      errors: [{ in: 'body', field: 'fromUserId', message: 'is not a user in your work scope' }],
      extensions: undefined,
    });
    // A deactivated user in scope is exactly whose work gets moved.
    expect(await answer(start(users.inactive, null))).toBe('succeeded');
  });

  it('toUserId: unknown, outside the jurisdictions and inactive get the same 400', async () => {
    const refusal = await expectIndistinguishable({
      unknown: () => start(users.suitable, users.unknown),
      outOfScope: () => start(users.suitable, users.otherJurisdiction),
      inactive: () => start(users.suitable, users.inactive),
    });
    expect(refusal).toMatchObject({ kind: 'validation', errors: [{ in: 'body', field: 'toUserId', message: 'is not an active user in your work scope' }] });
    expect(await answer(start(users.suitable, users.otherLocation))).toBe('succeeded');
  });
});

describe('a task on a case of another jurisdiction', () => {
  it('is refused without naming the case’s jurisdiction, the same for a case outside the caller’s scope and one inside it', async () => {
    const caseOf = async (caseId: string, jurisdiction: 'FAMILY' | 'CIVIL' | 'SSCS') => {
      await world.services.reference.upsertCase({ caseId, jurisdiction, locationId: HOME, caseName: 'A v B', caseType: 'Type' }, world.clock.now().toISOString());
      return caseId;
    };
    const family = await caseOf('7000000000000001', 'FAMILY');
    const civil = await caseOf('7000000000000002', 'CIVIL');
    const sscs = await caseOf('7000000000000003', 'SSCS');
    const attempt = (caseId: string) => () => newTask(world, manager, { caseId, jurisdiction: 'IA' });
    const answers = await Promise.all([family, civil, sscs].map(async (caseId) => answer(attempt(caseId)())));
    for (const [index, refusal] of answers.entries()) {
      const caseId = [family, civil, sscs][index]!;
      expect(refusal).toEqual({
        kind: 'validation',
        detail: `jurisdiction: is not the jurisdiction of case ${caseId}`,
        errors: [{ in: 'body', field: 'jurisdiction', message: `is not the jurisdiction of case ${caseId}` }],
        extensions: undefined,
      });
    }
  });
});
