import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask, expectProblem, inDays, taskBody } from './fixtures.js';
import { startLocalHost, type LocalHost } from './local-host.js';

let host: LocalHost;
beforeAll(async () => {
  host = await startLocalHost();
});
afterAll(async () => host?.dispose());

describe('create and read', () => {
  it('creates a task: 201, Location, ETag, envelope, security headers', async () => {
    const body = taskBody({ title: '  Spaces trimmed  ' });
    const response = await host.call('/v1/tasks', { method: 'POST', as: 'manager', json: body });
    const json = await response.json();
    expect(response.status).toBe(201);
    expect(json.success).toBe(true);
    expect(Date.parse(json.timestamp)).not.toBeNaN();
    expect(json.data).toMatchObject({
      caseId: body.caseId,
      title: 'Spaces trimmed',
      status: 'pending',
      priority: 'high',
      assignee: null,
      createdBy: 'b0000000-0000-4000-8000-000000000001',
      completedAt: null,
      deletedAt: null,
    });
    expect(json.data.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('location')).toBe(`/api/v1/tasks/${json.data.id}`);
    expect(response.headers.get('etag')).toBe(json.data.etag);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('strict-transport-security')).toContain('max-age=');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(json.data).not.toHaveProperty('searchText');
    expect(json.data).not.toHaveProperty('_rid');

    const read = await host.call(response.headers.get('location')!.replace('/api', ''), { as: 'viewer' });
    expect(read.status).toBe(200);
    expect((await read.json()).data.title).toBe('Spaces trimmed');
  });

  it('answers If-None-Match with 304 while unchanged and 200 after a change', async () => {
    const task = await createTask(host);
    const notModified = await host.call(`/v1/tasks/${task.id}`, { as: 'manager', headers: { 'if-none-match': task.etag } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe(task.etag);
    expect(await notModified.text()).toBe('');

    await host.call(`/v1/tasks/${task.id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': task.etag }, json: { priority: 'low' } });
    const changed = await host.call(`/v1/tasks/${task.id}`, { as: 'manager', headers: { 'if-none-match': task.etag } });
    expect(changed.status).toBe(200);
  });

  it('404s unknown tasks as problem+json', async () => {
    await expectProblem(await host.call('/v1/tasks/6b1e0f5c-8f0e-4f5e-9a44-2d9a5b8f0c11', { as: 'admin' }), 404);
  });
});

describe('updates', () => {
  it('PATCH applies a merge patch with If-Match and returns the new ETag', async () => {
    const task = await createTask(host);
    const response = await host.call(`/v1/tasks/${task.id}`, {
      method: 'PATCH',
      as: 'manager',
      headers: { 'if-match': task.etag, 'content-type': 'application/merge-patch+json' },
      json: { title: 'Renamed', assignee: 'c0000000-0000-4000-8000-000000000001', description: null },
    });
    const json = await response.json();
    expect(response.status).toBe(200);
    expect(json.data).toMatchObject({ title: 'Renamed', description: '', assignee: 'c0000000-0000-4000-8000-000000000001', priority: 'high' });
    expect(response.headers.get('etag')).not.toBe(task.etag);
    expect(json.data.updatedAt > task.body.updatedAt).toBe(true);
  });

  it('requires If-Match (428) and refuses a stale one (412)', async () => {
    const task = await createTask(host);
    await expectProblem(await host.call(`/v1/tasks/${task.id}`, { method: 'PATCH', as: 'manager', json: { title: 'x' } }), 428);
    const first = await host.call(`/v1/tasks/${task.id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': task.etag }, json: { title: 'first' } });
    expect(first.status).toBe(200);
    const stale = await host.call(`/v1/tasks/${task.id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': task.etag }, json: { title: 'second' } });
    const problem = await expectProblem(stale, 412);
    expect(problem.detail).toMatch(/changed/);
    expect(stale.headers.get('etag')).toBe(first.headers.get('etag'));
    const current = await (await host.call(`/v1/tasks/${task.id}`, { as: 'manager' })).json();
    expect(current.data.title).toBe('first');
  });

  it('gives exactly one winner when two writers race on the same ETag', async () => {
    const task = await createTask(host);
    const responses = await Promise.all(
      ['a', 'b', 'c', 'd'].map((title) =>
        host.call(`/v1/tasks/${task.id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': task.etag }, json: { title } }),
      ),
    );
    expect(responses.map((response) => response.status).sort()).toEqual([200, 412, 412, 412]);
  });

  it('PUT replaces every mutable field and refuses a partial body', async () => {
    const task = await createTask(host);
    const full = { locationId: '231596', title: 'Replaced', description: 'New', status: 'in_progress', priority: 'urgent', dueDate: inDays(3), assignee: 'c0000000-0000-4000-8000-000000000002' };
    const response = await host.call(`/v1/tasks/${task.id}`, { method: 'PUT', as: 'manager', headers: { 'if-match': task.etag }, json: full });
    const json = await response.json();
    expect(response.status).toBe(200);
    expect(json.data).toMatchObject({ ...full, dueDate: new Date(full.dueDate).toISOString() });
    const partial = await host.call(`/v1/tasks/${task.id}`, { method: 'PUT', as: 'manager', headers: { 'if-match': json.data.etag }, json: { title: 'Only' } });
    await expectProblem(partial, 400, 'status');
  });

  it('follows the status transition table: completed is terminal (409)', async () => {
    const task = await createTask(host);
    const done = await host.call(`/v1/tasks/${task.id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': task.etag }, json: { status: 'completed' } });
    const json = await done.json();
    expect(json.data.status).toBe('completed');
    expect(json.data.completedAt).not.toBeNull();
    expect(json.data.allowedActions).toEqual(['reopen']);
    const reopen = await host.call(`/v1/tasks/${task.id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': json.data.etag }, json: { status: 'pending' } });
    await expectProblem(reopen, 409);
  });

  it('refuses in_progress without an assignee (409 naming the field)', async () => {
    const task = await createTask(host);
    const response = await host.call(`/v1/tasks/${task.id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': task.etag }, json: { status: 'in_progress' } });
    await expectProblem(response, 409, 'assignee');
  });
});

describe('delete', () => {
  it('soft-deletes with If-Match (admin only); the task then 404s everywhere', async () => {
    const task = await createTask(host);
    await expectProblem(await host.call(`/v1/tasks/${task.id}`, { method: 'DELETE', as: 'admin' }), 428);
    await expectProblem(await host.call(`/v1/tasks/${task.id}`, { method: 'DELETE', as: 'manager', headers: { 'if-match': task.etag } }), 403);
    const deleted = await host.call(`/v1/tasks/${task.id}`, { method: 'DELETE', as: 'admin', headers: { 'if-match': task.etag } });
    expect(deleted.status).toBe(204);
    expect(await deleted.text()).toBe('');
    await expectProblem(await host.call(`/v1/tasks/${task.id}`, { as: 'admin' }), 404);
    const list = await (await host.call(`/v1/tasks?caseId=${task.body.caseId}`, { as: 'admin' })).json();
    expect(list.data).toEqual([]);
    await expectProblem(await host.call(`/v1/tasks/${task.id}`, { method: 'PATCH', as: 'admin', headers: { 'if-match': task.etag }, json: { title: 'x' } }), 404);
  });
});

describe('health and version', () => {
  it('serves liveness, readiness and version without a token', async () => {
    expect((await host.call('/v1/health')).status).toBe(200);
    const ready = await host.call('/v1/health/ready');
    const readyJson = await ready.json();
    expect(ready.status).toBe(200);
    expect(readyJson.data.checks.cosmos.status).toBe('ok');
    expect(readyJson.data.checks.identityProvider.status).toBe('ok');
    expect(JSON.stringify(readyJson)).not.toMatch(/127\.0\.0\.1|localhost|key/i);
    const version = await (await host.call('/v1/version')).json();
    expect(version.data).toMatchObject({ name: 'caseload', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });
});

describe('changes that change nothing', () => {
  const CASEWORKER_2 = 'c0000000-0000-4000-8000-000000000002';
  const history = async (id: string) => {
    await host.brokerIdle();
    return (await (await host.call(`/v1/tasks/${id}/history`, { as: 'manager' })).json()).data as { type: string }[];
  };

  it('PATCH and PUT with the values the task has, and assigning it to its assignee: 200, the same ETag, no audit record', async () => {
    const task = await createTask(host, { assignee: CASEWORKER_2 });
    expect(await history(task.id)).toHaveLength(1);
    const { title, description, priority, dueDate, locationId, status, assignee } = task.body;

    const patched = await host.call(`/v1/tasks/${task.id}`, {
      method: 'PATCH',
      as: 'manager',
      headers: { 'if-match': task.etag, 'content-type': 'application/merge-patch+json' },
      json: { title, priority, assignee },
    });
    expect(patched.status).toBe(200);
    expect(patched.headers.get('etag')).toBe(task.etag);
    expect((await patched.json()).data).toMatchObject({ etag: task.etag, updatedAt: task.body.updatedAt });

    const replaced = await host.call(`/v1/tasks/${task.id}`, { method: 'PUT', as: 'manager', headers: { 'if-match': task.etag }, json: { title, description, priority, dueDate, locationId, status, assignee } });
    expect(replaced.status).toBe(200);
    expect(replaced.headers.get('etag')).toBe(task.etag);

    const assigned = await host.call(`/v1/tasks/${task.id}/assign`, { method: 'POST', as: 'manager', json: { userId: CASEWORKER_2 } });
    expect(assigned.status).toBe(200);
    expect(assigned.headers.get('etag')).toBe(task.etag);

    expect(await history(task.id)).toHaveLength(1);
    // A stale If-Match is still refused, change or no change.
    await expectProblem(await host.call(`/v1/tasks/${task.id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': '"999"' }, json: { title } }), 412);

    // A real change moves the ETag and is audited.
    const changed = await host.call(`/v1/tasks/${task.id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': task.etag }, json: { title, priority: 'urgent' } });
    expect(changed.headers.get('etag')).not.toBe(task.etag);
    expect((await history(task.id)).map((record) => record.type)).toEqual(['task.created', 'task.updated']);
  });

  it('PATCH of a user with the values the entry has: 200, the same ETag', async () => {
    const id = `same-${Date.now()}`;
    const created = await host.call('/v1/users', { method: 'POST', as: 'admin', json: { id, name: 'Sam', email: 'sam@example.test', roles: ['caseworker'], jurisdictions: ['IA'] } });
    const etag = created.headers.get('etag')!;
    const patched = await host.call(`/v1/users/${id}`, { method: 'PATCH', as: 'admin', headers: { 'if-match': etag }, json: { name: 'Sam', jurisdictions: ['IA'] } });
    expect(patched.status).toBe(200);
    expect(patched.headers.get('etag')).toBe(etag);
  });
});
