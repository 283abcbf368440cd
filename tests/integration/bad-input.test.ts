import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask, expectProblem, taskBody } from './fixtures.js';
import { startLocalHost, type LocalHost } from './local-host.js';

let host: LocalHost;
beforeAll(async () => {
  host = await startLocalHost();
});
afterAll(async () => host?.dispose());

const post = (body: string, contentType = 'application/json') =>
  host.call('/v1/tasks', { method: 'POST', as: 'manager', headers: { 'content-type': contentType }, body });

describe('bad input always gets a 4xx problem naming the field', () => {
  it('malformed JSON → 400', async () => {
    const problem = await expectProblem(await post('{"title": '), 400);
    expect(problem.type).toBe('/problems/malformed-json');
  });

  it('wrong or missing content type → 415', async () => {
    await expectProblem(await post(JSON.stringify(taskBody()), 'text/plain'), 415);
    await expectProblem(await host.call('/v1/tasks', { method: 'POST', as: 'manager', body: new Blob([JSON.stringify(taskBody())]) }), 415);
  });

  it('body over 64 KiB → 413', async () => {
    await expectProblem(await post(JSON.stringify(taskBody({ description: 'x'.repeat(70 * 1024) }))), 413);
  });

  it('empty body → 400', async () => {
    await expectProblem(await post(''), 400, '(root)');
  });

  it('JSON that is not an object → 400', async () => {
    await expectProblem(await post('[1,2]'), 400);
    await expectProblem(await post('null'), 400);
  });

  it('bad enum, bad date, past date, bad case id, long title, control characters → 400 naming each', async () => {
    for (const [field, value] of [
      ['jurisdiction', 'NARNIA'],
      ['priority', 'extreme'],
      ['dueDate', 'next tuesday'],
      ['dueDate', '2020-01-01T00:00:00Z'],
      ['dueDate', '2030-01-01T09:00:00+01:00'],
      ['caseId', '12345'],
      ['title', 'x'.repeat(256)],
      ['title', 'bell\u0007'],
      ['title', '   '],
      ['description', 'y'.repeat(2001)],
      ['locationId', '../etc'],
      ['assignee', 'has space'],
    ] as const) {
      const problem = await expectProblem(await post(JSON.stringify(taskBody({ [field]: value }))), 400, field);
      expect(problem.type).toBe('/problems/validation');
      expect(problem.errors.find((error: { field: string }) => error.field === field).in).toBe('body');
    }
  });

  it('missing required fields and unknown fields are named, not dropped', async () => {
    const problem = await expectProblem(await post(JSON.stringify({ title: 'Only a title', status: 'completed', __proto__x: 1 })), 400);
    const fields = problem.errors.map((error: { field: string }) => error.field);
    expect(fields).toEqual(expect.arrayContaining(['caseId', 'jurisdiction', 'locationId', 'dueDate', 'status', '__proto__x']));
  });

  it('bad UUID in the path → 400 naming id', async () => {
    const problem = await expectProblem(await host.call('/v1/tasks/not-a-uuid', { as: 'manager' }), 400, 'id');
    expect(problem.errors[0].in).toBe('path');
  });

  it('bad and unknown query parameters → 400 naming each', async () => {
    for (const [query, field] of [
      ['status=done', 'status'],
      ['limit=0', 'limit'],
      ['limit=1000', 'limit'],
      ['sort=title', 'sort'],
      ['order=up', 'order'],
      ['dueBefore=yesterday', 'dueBefore'],
      ['assignee=a%20b', 'assignee'],
      ['q=x', 'q'],
      ['cursor=abc', 'cursor'],
      ['colour=red', 'colour'],
      ['caseId=1&caseId=2', 'caseId'],
    ]) {
      const problem = await expectProblem(await host.call(`/v1/tasks?${query}`, { as: 'manager' }), 400, field);
      expect(problem.errors.find((error: { field: string }) => error.field === field).in).toBe('query');
    }
    await expectProblem(await host.call('/v1/tasks/stats?limit=5', { as: 'manager' }), 400, 'limit');
  });

  it('several values of a filter are the parameter repeated; comma-separated values are refused with the form to use', async () => {
    for (const [path, name, values] of [
      ['/v1/tasks', 'status', ['pending', 'in_progress']],
      ['/v1/tasks', 'priority', ['urgent', 'high']],
      ['/v1/tasks', 'jurisdiction', ['IA', 'SSCS']],
      ['/v1/tasks/stats', 'jurisdiction', ['IA', 'SSCS']],
    ] as const) {
      const repeated = await host.call(`${path}?${values.map((value) => `${name}=${value}`).join('&')}`, { as: 'manager' });
      expect(repeated.status, `${path} ${name} repeated`).toBe(200);
      const problem = await expectProblem(await host.call(`${path}?${name}=${values.join(',')}`, { as: 'manager' }), 400, name);
      expect(problem.errors[0].message).toBe(`give several values by repeating the parameter (${name}=a&${name}=b), not separated by commas`);
    }
  });

  it('bad PATCH bodies and If-Match values → 4xx', async () => {
    const task = await createTask(host);
    const patch = (body: unknown, headers: Record<string, string> = { 'if-match': task.etag }) =>
      host.call(`/v1/tasks/${task.id}`, { method: 'PATCH', as: 'manager', headers, json: body });
    await expectProblem(await patch({}), 400);
    await expectProblem(await patch({ title: null }), 400, 'title');
    await expectProblem(await patch({ caseId: '1234567812345678' }), 400, 'caseId');
    await expectProblem(await patch({ status: 'archived' }), 400, 'status');
    await expectProblem(await patch({ title: 'x' }, { 'if-match': 'no-quotes' }), 400, 'If-Match');
  });

  it('unknown routes and methods are problems too', async () => {
    // Answered by the host's routing, not by an operation: outside the contract by definition.
    expect((await host.call('/v1/nothing-here', { as: 'manager', contract: false })).status).toBe(404);
    expect((await host.call('/v1/tasks', { method: 'DELETE', as: 'manager', contract: false })).status).toBe(405);
  });
});

describe('text that is not well-formed Unicode → 400 naming the field, never a 500', () => {
  const LONE = '\ud800';
  const ILL_FORMED = /^must be well-formed Unicode text/;
  const fieldError = (problem: Record<string, any>, field: string) => problem.errors.find((error: { field: string }) => error.field === field);

  it('in a body field, on every kind of write (create, PATCH, PUT, cancel reason, user name)', async () => {
    const created = await expectProblem(await post(JSON.stringify(taskBody({ title: `Review ${LONE}` }))), 400, 'title');
    expect(created.type).toBe('/problems/validation');
    expect(fieldError(created, 'title')).toEqual({ in: 'body', field: 'title', message: expect.stringMatching(ILL_FORMED) });

    const task = await createTask(host);
    const patched = await host.call(`/v1/tasks/${task.id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': task.etag }, json: { description: `x${LONE}` } });
    await expectProblem(patched, 400, 'description');
    const { caseId: _caseId, jurisdiction: _jurisdiction, ...replacement } = taskBody({ title: LONE, status: 'pending', assignee: null });
    await expectProblem(await host.call(`/v1/tasks/${task.id}`, { method: 'PUT', as: 'manager', headers: { 'if-match': task.etag }, json: replacement }), 400, 'title');
    await expectProblem(await host.call(`/v1/tasks/${task.id}/cancel`, { method: 'POST', as: 'manager', json: { reason: `dup${LONE}` } }), 400, 'reason');
    const user = { id: `lone-${Date.now()}`, name: `Ann ${LONE}`, email: 'ann@example.test', roles: ['caseworker'], jurisdictions: ['IA'] };
    await expectProblem(await host.call('/v1/users', { method: 'POST', as: 'admin', json: user }), 400, 'name');

    // Nothing was written: the task is as it was, and still usable.
    const current = await (await host.call(`/v1/tasks/${task.id}`, { as: 'manager' })).json();
    expect(current.data).toMatchObject({ etag: task.etag, status: 'pending', description: task.body.description });
  });

  it('in a query parameter, percent-encoded bytes that are not UTF-8 (a surrogate encoded as a character)', async () => {
    const problem = await expectProblem(await host.call('/v1/tasks?q=%ED%A0%80ab', { as: 'manager' }), 400, 'q');
    expect(fieldError(problem, 'q')).toEqual({ in: 'query', field: 'q', message: expect.stringMatching(ILL_FORMED) });
    expect((await host.call('/v1/tasks?q=caf%C3%A9', { as: 'manager' })).status).toBe(200);
  });

  it('in a CSV cell, named by row and column', async () => {
    const encoder = new TextEncoder();
    const body = new Uint8Array([
      ...encoder.encode('caseId,jurisdiction,locationId,caseName,caseType\n1234567812345678,IA,765324,Fine,Asylum\n1234567812345679,IA,765324,"Smith '),
      0xed, 0xa0, 0x80,
      ...encoder.encode('",Asylum\n'),
    ]);
    const response = await host.call('/v1/cases/import', { method: 'POST', as: 'manager', headers: { 'content-type': 'text/csv' }, body });
    const problem = await expectProblem(response, 400, 'cases.1.caseName');
    expect(problem.errors).toEqual([{ in: 'body', field: 'cases.1.caseName', message: expect.stringMatching(ILL_FORMED) }]);
  });

  it('in a batch item: the batch is refused as a whole, naming the item, and nothing of it is written', async () => {
    const caseId = taskBody().caseId as string;
    const items = [
      { op: 'create', task: taskBody({ caseId, title: 'Fine' }) },
      { op: 'create', task: taskBody({ caseId, title: `Bad ${LONE}` }) },
    ];
    const problem = await expectProblem(await host.call('/v1/tasks/batch', { method: 'POST', as: 'manager', json: { items } }), 400, 'items.1.task.title');
    expect(problem.errors).toHaveLength(1);
    const tasks = await (await host.call(`/v1/tasks?caseId=${caseId}`, { as: 'manager' })).json();
    expect(tasks.data).toEqual([]);
  });
});
