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
