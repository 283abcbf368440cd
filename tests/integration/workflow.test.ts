import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask, expectProblem, taskBody, uniqueCaseId } from './fixtures.js';
import { startLocalHost, type LocalHost } from './local-host.js';

let host: LocalHost;
const CASEWORKER = 'c0000000-0000-4000-8000-000000000001';
const CASEWORKER_2 = 'c0000000-0000-4000-8000-000000000002';
const SOUTH_CASEWORKER = 'c0000000-0000-4000-8001-000000000001';
const SOUTH_MANAGER = { role: 'manager' as const, userId: 'b0000000-0000-4000-8000-000000000002' };
const claimants = Array.from({ length: 12 }, (_, i) => `race-caseworker-${i}`);

beforeAll(async () => {
  host = await startLocalHost();
  for (const id of claimants) {
    const response = await host.call('/v1/users', {
      method: 'POST',
      as: 'admin',
      json: { id, name: `Racer ${id}`, email: `${id}@justice.example`, roles: ['caseworker'], jurisdictions: ['IA'] },
    });
    expect(response.status, await response.clone().text()).toBe(201);
  }
});
afterAll(async () => host?.dispose());

/** A problem without what differs per request (correlation id, instance). */
const withoutRequestFacts = ({ correlationId: _c, instance: _i, ...problem }: Record<string, any>) => problem;

const action = (id: string, name: string, as: Parameters<LocalHost['call']>[1]['as'], json?: unknown, headers: Record<string, string> = {}) =>
  host.call(`/v1/tasks/${id}/${name}`, { method: 'POST', as, headers, ...(json === undefined ? {} : { json }) });

describe('claim', () => {
  it('gives exactly one of many concurrent claimants the task; the others get 409 naming the holder', async () => {
    const task = await createTask(host, { assignee: null });
    const responses = await Promise.all(claimants.map((userId) => action(task.id, 'claim', { role: 'caseworker', userId })));
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200), JSON.stringify(statuses)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409), JSON.stringify(statuses)).toHaveLength(claimants.length - 1);
    const winner = await responses[statuses.indexOf(200)]!.json();
    expect(winner.data).toMatchObject({ assignee: expect.stringMatching(/^race-caseworker-/), status: 'in_progress' });
    for (const response of responses.filter((candidate) => candidate.status === 409)) {
      const problem = await expectProblem(response, 409);
      expect(problem.detail).toContain(winner.data.assignee);
    }
  });

  it('unclaim returns the task to the queue; others cannot unclaim it', async () => {
    const task = await createTask(host, { assignee: null });
    const claimed = await action(task.id, 'claim', 'caseworker');
    expect((await claimed.json()).data.allowedActions).toEqual(['unclaim', 'complete', 'cancel', 'update']);
    await expectProblem(await action(task.id, 'unclaim', { role: 'caseworker', userId: CASEWORKER_2 }), 404);
    await expectProblem(await action(task.id, 'unclaim', 'manager'), 409);
    const released = await (await action(task.id, 'unclaim', 'caseworker')).json();
    expect(released.data).toMatchObject({ assignee: null, status: 'pending', allowedActions: ['claim'] });
  });

  it('honours If-Match when sent', async () => {
    const task = await createTask(host, { assignee: null });
    await expectProblem(await action(task.id, 'claim', 'caseworker', undefined, { 'if-match': '"999"' }), 412);
    expect((await action(task.id, 'claim', 'caseworker', undefined, { 'if-match': task.etag })).status).toBe(200);
  });
});

describe('assign, complete, cancel, reopen', () => {
  it('assigns only to active users who work in the task jurisdiction', async () => {
    const task = await createTask(host);
    expect((await (await action(task.id, 'assign', 'manager', { userId: CASEWORKER_2 })).json()).data.assignee).toBe(CASEWORKER_2);
    const unknown = await expectProblem(await action(task.id, 'assign', 'manager', { userId: 'nobody-at-all' }), 400, 'userId');
    const wrongJurisdiction = await expectProblem(await action(task.id, 'assign', 'manager', { userId: SOUTH_CASEWORKER }), 400, 'userId');
    // The answer names the task's jurisdiction and location, never anything about the user.
    expect(withoutRequestFacts(wrongJurisdiction)).toEqual(withoutRequestFacts(unknown));
    expect(unknown.errors).toEqual([{ in: 'body', field: 'userId', message: 'must be an active caseworker or manager who works in IA at location 765324' }]);
    await expectProblem(await action(task.id, 'assign', 'caseworker', { userId: CASEWORKER }), 404);
    await expectProblem(await action(task.id, 'assign', 'manager', { user: CASEWORKER }), 400, 'user');
    // PATCH goes through the same check: no dangling references.
    const current = await (await host.call(`/v1/tasks/${task.id}`, { as: 'manager' })).json();
    await expectProblem(
      await host.call(`/v1/tasks/${task.id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': current.data.etag }, json: { assignee: 'ghost-user' } }),
      400,
      'assignee',
    );
  });

  it('refuses deactivated users as assignees and as callers', async () => {
    const id = `leaver-${uniqueCaseId()}`;
    await host.call('/v1/users', { method: 'POST', as: 'admin', json: { id, name: 'Leaver', email: 'leaver@justice.example', roles: ['caseworker'], jurisdictions: ['IA'] } });
    expect((await host.call('/v1/tasks?limit=1', { as: { role: 'caseworker', userId: id } })).status).toBe(200);
    const deactivated = await host.call(`/v1/users/${id}/deactivate`, { method: 'POST', as: 'admin' });
    expect((await deactivated.json()).data.active).toBe(false);
    const problem = await expectProblem(await host.call('/v1/tasks?limit=1', { as: { role: 'caseworker', userId: id } }), 403);
    expect(problem.detail).toMatch(/deactivated/);
    const task = await createTask(host);
    const inactive = await expectProblem(await action(task.id, 'assign', 'manager', { userId: id }), 400, 'userId');
    const unknown = await expectProblem(await action(task.id, 'assign', 'manager', { userId: 'nobody-at-all' }), 400, 'userId');
    expect(withoutRequestFacts(inactive)).toEqual(withoutRequestFacts(unknown));
  });

  it('someone who may not assign learns nothing about the user they name: the same 403 for unknown, out-of-scope, inactive and suitable users', async () => {
    const leaver = `leaver-${uniqueCaseId()}`;
    await host.call('/v1/users', { method: 'POST', as: 'admin', json: { id: leaver, name: 'Leaver', email: 'leaver2@justice.example', roles: ['caseworker'], jurisdictions: ['IA'], active: false } });
    const own = await createTask(host, {}, 'caseworker');
    const answers = [];
    for (const assignee of ['nobody-at-all', SOUTH_CASEWORKER, leaver, CASEWORKER_2]) {
      const patch = await host.call(`/v1/tasks/${own.id}`, { method: 'PATCH', as: 'caseworker', headers: { 'if-match': own.etag }, json: { assignee } });
      answers.push(withoutRequestFacts(await expectProblem(patch, 403)));
      const create = await host.call('/v1/tasks', { method: 'POST', as: 'caseworker', json: taskBody({ assignee, caseId: own.body.caseId }) });
      answers.push(withoutRequestFacts(await expectProblem(create, 403)));
    }
    for (const [index, answer] of answers.entries()) expect(answer).toEqual(answers[index % 2]);
    expect(JSON.stringify(answers)).not.toMatch(/nobody|leaver|c0000000|deactivated|known user/);
  });

  it('completes, cancels with a reason, and reopens (managers only)', async () => {
    const task = await createTask(host, { assignee: CASEWORKER });
    const completed = await (await action(task.id, 'complete', 'caseworker')).json();
    expect(completed.data).toMatchObject({ status: 'completed', completedAt: expect.any(String), allowedActions: [] });
    await expectProblem(await action(task.id, 'complete', 'caseworker'), 409);
    await expectProblem(await action(task.id, 'reopen', 'caseworker'), 403);
    const reopened = await (await action(task.id, 'reopen', 'manager')).json();
    expect(reopened.data).toMatchObject({ status: 'pending', completedAt: null, assignee: CASEWORKER });

    await expectProblem(await action(task.id, 'cancel', 'manager', {}), 400, 'reason');
    await expectProblem(await action(task.id, 'cancel', 'manager', { reason: '   ' }), 400, 'reason');
    const cancelled = await (await action(task.id, 'cancel', 'manager', { reason: 'Raised in error' })).json();
    expect(cancelled.data).toMatchObject({ status: 'cancelled', cancellationReason: 'Raised in error' });
    await host.brokerIdle();
    const history = await (await host.call(`/v1/tasks/${task.id}/history`, { as: 'manager' })).json();
    expect(history.data.map((record: { type: string }) => record.type)).toEqual(['task.created', 'task.completed', 'task.reopened', 'task.cancelled']);
  });

  it('a caseworker must claim an unassigned task before completing it', async () => {
    const task = await createTask(host, { assignee: null });
    const problem = await expectProblem(await action(task.id, 'complete', 'caseworker'), 409);
    expect(problem.detail).toMatch(/claim/);
  });
});

describe('views', () => {
  it('my-work, available and all-work', async () => {
    const caseId = uniqueCaseId();
    const mine = await createTask(host, { caseId, assignee: CASEWORKER });
    const open = await createTask(host, { caseId, assignee: null });
    const others = await createTask(host, { caseId, assignee: CASEWORKER_2 });
    const ids = async (query: string, as: Parameters<LocalHost['call']>[1]['as'] = 'caseworker') =>
      ((await (await host.call(`/v1/tasks?caseId=${caseId}&${query}`, { as })).json()).data as { id: string }[]).map((task) => task.id).sort();
    expect(await ids('view=my-work')).toEqual([mine.id]);
    expect(await ids('view=available')).toEqual([open.id]);
    expect(await ids('view=all-work')).toEqual([mine.id, open.id].sort());
    expect(await ids('view=all-work', 'manager')).toEqual([mine.id, open.id, others.id].sort());
    await expectProblem(await host.call(`/v1/tasks?view=my-work&assignee=unassigned`, { as: 'caseworker' }), 400, 'assignee');
    await expectProblem(await host.call(`/v1/tasks?view=everything`, { as: 'caseworker' }), 400, 'view');
  });
});

describe('jurisdiction and location scope', () => {
  it('hides tasks outside the caller scope from reads, lists, stats and history', async () => {
    const caseId = uniqueCaseId();
    const task = await createTask(host, { caseId, assignee: null });
    await expectProblem(await host.call(`/v1/tasks/${task.id}`, { as: SOUTH_MANAGER }), 404);
    await expectProblem(await host.call(`/v1/tasks/${task.id}/history`, { as: SOUTH_MANAGER }), 404);
    await expectProblem(await action(task.id, 'claim', { role: 'caseworker', userId: SOUTH_CASEWORKER }), 404);
    expect((await (await host.call(`/v1/tasks?caseId=${caseId}`, { as: SOUTH_MANAGER })).json()).data).toEqual([]);
    expect((await (await host.call(`/v1/tasks/stats?caseId=${caseId}`, { as: SOUTH_MANAGER })).json()).data.total).toBe(0);
    expect((await (await host.call(`/v1/cases/${caseId}/tasks`, { as: SOUTH_MANAGER })).json()).data).toEqual([]);
    expect((await (await host.call(`/v1/cases/${caseId}/tasks`, { as: 'manager' })).json()).data.map((t: { id: string }) => t.id)).toEqual([task.id]);
  });

  it('limits a location-bound caseworker to their court', async () => {
    const LOCATION_BOUND = { role: 'caseworker' as const, userId: 'c0000000-0000-4000-8000-000000000003' };
    const here = await createTask(host, { assignee: null, locationId: '765324' });
    const elsewhere = await createTask(host, { assignee: null, locationId: '231596' });
    expect((await host.call(`/v1/tasks/${here.id}`, { as: LOCATION_BOUND })).status).toBe(200);
    await expectProblem(await host.call(`/v1/tasks/${elsewhere.id}`, { as: LOCATION_BOUND }), 404);
  });

  it('refuses to create tasks outside the creator scope or at unknown locations', async () => {
    await expectProblem(await host.call('/v1/tasks', { method: 'POST', as: SOUTH_MANAGER, json: taskBody({ jurisdiction: 'IA' }) }), 403);
    await expectProblem(await host.call('/v1/tasks', { method: 'POST', as: 'manager', json: taskBody({ locationId: '999999' }) }), 400, 'locationId');
    // Demo case 1 is known to the system with its own jurisdiction.
    const demoCase = await (await host.call('/v1/tasks/00000000-0000-4000-8000-000000000001', { as: 'admin' })).json();
    const wrong = demoCase.data.jurisdiction === 'IA' ? 'SSCS' : 'IA';
    await expectProblem(await host.call('/v1/tasks', { method: 'POST', as: 'admin', json: taskBody({ caseId: demoCase.data.caseId, jurisdiction: wrong }) }), 400, 'jurisdiction');
  });
});

describe('users directory', () => {
  it('lists users for managers within their jurisdictions, filtered by role and jurisdiction', async () => {
    const json = await (await host.call('/v1/users?role=caseworker&jurisdiction=IA&limit=100', { as: 'manager' })).json();
    expect(json.data.length).toBeGreaterThanOrEqual(3);
    expect(json.data.every((user: { roles: string[]; jurisdictions: string[] }) => user.roles.includes('caseworker') && user.jurisdictions.includes('IA'))).toBe(true);
    // A manager sees only people who share one of their jurisdictions.
    const south = await (await host.call('/v1/users?jurisdiction=IA&limit=100', { as: SOUTH_MANAGER })).json();
    expect(south.data.length).toBeGreaterThan(0);
    expect(south.data.every((user: { jurisdictions: string[] }) => user.jurisdictions.some((j) => ['CIVIL', 'FAMILY', 'PRIVATELAW', 'PUBLICLAW'].includes(j)))).toBe(true);
    expect(south.data.map((user: { id: string }) => user.id)).not.toContain(CASEWORKER);
    await expectProblem(await host.call('/v1/users', { as: 'caseworker' }), 403);
    await expectProblem(await host.call('/v1/users?role=judge', { as: 'admin' }), 400, 'role');
  });

  it('has at least three caseworkers in every jurisdiction used by the demo data', async () => {
    for (const jurisdiction of ['IA', 'CIVIL', 'FAMILY', 'EMPLOYMENT', 'SSCS', 'PRIVATELAW', 'PUBLICLAW']) {
      const json = await (await host.call(`/v1/users?role=caseworker&jurisdiction=${jurisdiction}&active=true&limit=100`, { as: 'admin' })).json();
      expect(json.data.length, jurisdiction).toBeGreaterThanOrEqual(3);
    }
  });

  it('answers /users/me with profile, scope and permissions', async () => {
    const me = await (await host.call('/v1/users/me', { as: 'caseworker' })).json();
    expect(me.data).toMatchObject({
      id: CASEWORKER,
      roles: ['caseworker'],
      profile: { jurisdictions: ['IA', 'SSCS', 'EMPLOYMENT'], active: true },
      scope: { tasks: 'assigned-to-me-or-unassigned' },
      permissions: { claimTasks: true, assignTasks: false, manageUsers: false },
    });
  });

  it('lets admins create, update (If-Match) and deactivate users, and validates them', async () => {
    const id = `new-user-${uniqueCaseId()}`;
    await expectProblem(await host.call('/v1/users', { method: 'POST', as: 'manager', json: { id } }), 403);
    await expectProblem(
      await host.call('/v1/users', { method: 'POST', as: 'admin', json: { id, name: 'N', email: 'not-an-email', roles: ['caseworker'], jurisdictions: ['NARNIA'] } }),
      400,
      'email',
    );
    const created = await host.call('/v1/users', { method: 'POST', as: 'admin', json: { id, name: 'New', email: 'New@Justice.example', roles: ['caseworker'], jurisdictions: ['SSCS'] } });
    expect(created.status).toBe(201);
    expect((await created.json()).data.email).toBe('new@justice.example');
    await expectProblem(await host.call('/v1/users', { method: 'POST', as: 'admin', json: { id, name: 'Dup', email: 'd@justice.example', roles: ['viewer'] } }), 409);
    await expectProblem(await host.call(`/v1/users/${id}`, { method: 'PATCH', as: 'admin', json: { name: 'Renamed' } }), 428);
    const updated = await host.call(`/v1/users/${id}`, { method: 'PATCH', as: 'admin', headers: { 'if-match': created.headers.get('etag')! }, json: { jurisdictions: ['SSCS', 'IA'] } });
    expect((await updated.json()).data.jurisdictions).toEqual(['SSCS', 'IA']);
    await expectProblem(await host.call(`/v1/users/${id}`, { method: 'PATCH', as: 'admin', headers: { 'if-match': created.headers.get('etag')! }, json: { name: 'x' } }), 412);
  });
});

describe('batch', () => {
  it('applies each item on its own and reports a result per item, in order', async () => {
    const existing = await createTask(host);
    const outOfScope = await createTask(host, { jurisdiction: 'FAMILY', locationId: '231596' }, 'admin');
    const response = await host.call('/v1/tasks/batch', {
      method: 'POST',
      as: 'manager',
      json: {
        items: [
          { op: 'create', task: taskBody({ title: 'Batch one' }) },
          { op: 'create', task: taskBody({ title: '' }) },
          { op: 'update', id: existing.id, ifMatch: existing.etag, patch: { priority: 'urgent' } },
          { op: 'update', id: existing.id, ifMatch: existing.etag, patch: { priority: 'low' } },
          { op: 'update', id: outOfScope.id, ifMatch: outOfScope.etag, patch: { title: 'x' } },
          { op: 'delete', id: existing.id },
        ],
      },
    });
    const json = await response.json();
    expect(response.status).toBe(200);
    expect(json.data.results.map((result: { status: number }) => result.status)).toEqual([201, 400, 200, 412, 404, 400]);
    expect(json.data).toMatchObject({ succeeded: 2, failed: 4 });
    expect(json.data.results[0].data.title).toBe('Batch one');
    expect(json.data.results[1].problem.errors.map((error: { field: string }) => error.field)).toEqual(['items.1.task.title']);
    expect(json.data.results[2].data.priority).toBe('urgent');
    expect(json.data.results[4].problem.type).toBe('/problems/not-found');
    expect(JSON.stringify(json.data.results[4])).not.toContain('FAMILY');
    await expectProblem(await host.call('/v1/tasks/batch', { method: 'POST', as: 'manager', json: { items: [] } }), 400, 'items');
    await expectProblem(await host.call('/v1/tasks/batch', { method: 'POST', as: 'manager', json: { items: Array.from({ length: 101 }, () => ({})) } }), 400, 'items');
    await expectProblem(await host.call('/v1/tasks/batch', { method: 'POST', as: 'viewer', json: { items: [{}] } }), 403);
  });
});
