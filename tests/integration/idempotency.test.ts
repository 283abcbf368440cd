import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, taskBody, uniqueCaseId } from './fixtures.js';
import { startLocalHost, type LocalHost } from './local-host.js';

let host: LocalHost;
beforeAll(async () => {
  host = await startLocalHost();
});
afterAll(async () => host?.dispose());

type As = NonNullable<Parameters<LocalHost['call']>[1]>['as'];

const post = (path: string, key: string | undefined, json: unknown, as: As = 'manager') =>
  host.call(path, { method: 'POST', as, json, headers: key === undefined ? {} : { 'Idempotency-Key': key } });

/** What a replay must repeat exactly. */
async function snapshot(response: Response) {
  return { status: response.status, body: await response.text(), location: response.headers.get('location'), etag: response.headers.get('etag') };
}

async function tasksOfCase(caseId: string): Promise<Record<string, any>[]> {
  const response = await host.call(`/v1/tasks?caseId=${caseId}&limit=100`, { as: 'admin' });
  expect(response.status).toBe(200);
  return ((await response.json()) as any).data;
}

describe('Idempotency-Key on POST /v1/tasks', () => {
  it('the same key and body twice: the first response again (status, body, Location, ETag), and one task', async () => {
    const key = randomUUID();
    const body = taskBody();
    const first = await snapshot(await post('/v1/tasks', key, body));
    expect(first.status, first.body).toBe(201);
    const second = await snapshot(await post('/v1/tasks', key, body));
    expect(second).toEqual(first);
    // Key order and white space do not make a different request.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    expect(await snapshot(await post('/v1/tasks', key, reordered))).toEqual(first);
    expect(await tasksOfCase(body.caseId as string)).toHaveLength(1);
  });

  it('the same key with a different body: 422 naming the header, nothing created', async () => {
    const key = randomUUID();
    const body = taskBody();
    expect((await post('/v1/tasks', key, body)).status).toBe(201);
    const other = taskBody();
    const problem = await expectProblem(await post('/v1/tasks', key, other), 422, 'Idempotency-Key');
    expect(problem.type).toBe('/problems/idempotency-key-reused');
    expect(await tasksOfCase(other.caseId as string)).toHaveLength(0);
    // Another route with the same key is another request too.
    await expectProblem(await post('/v1/tasks/batch', key, { items: [{ op: 'create', task: body }] }), 422, 'Idempotency-Key');
  });

  it('keys are per caller: another caller with the same key creates their own task', async () => {
    const key = randomUUID();
    const body = taskBody();
    const mine = await snapshot(await post('/v1/tasks', key, body, 'manager'));
    const theirs = await snapshot(await post('/v1/tasks', key, body, 'admin'));
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.location).not.toBe(mine.location);
    expect(await tasksOfCase(body.caseId as string)).toHaveLength(2);
  });

  it('10 concurrent requests with one key create exactly one task; the others get its response or 409 in progress', async () => {
    const key = randomUUID();
    const body = taskBody();
    const responses = await Promise.all(Array.from({ length: 10 }, () => post('/v1/tasks', key, body)));
    const outcomes = await Promise.all(responses.map(async (response) => ({ response, snap: await snapshot(response) })));
    const created = outcomes.filter(({ snap }) => snap.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const { snap } of created) expect(snap).toEqual(created[0]!.snap);
    for (const { response, snap } of outcomes.filter(({ snap }) => snap.status !== 201)) {
      expect(snap.status, snap.body).toBe(409);
      expect(JSON.parse(snap.body).type).toBe('/problems/idempotency-key-in-use');
      expect(response.headers.get('retry-after')).toBe('1');
    }
    expect(await tasksOfCase(body.caseId as string)).toHaveLength(1);
    // Once the first has finished, a retry gets its response.
    expect(await snapshot(await post('/v1/tasks', key, body))).toEqual(created[0]!.snap);
  });

  it('a malformed key is a 400 naming the header, and nothing is created', async () => {
    const body = taskBody();
    for (const key of ['', 'has space', 'x'.repeat(256), 'caf\u00e9']) {
      const response = await host
        .call('/v1/tasks', { method: 'POST', as: 'manager', json: body, headers: { 'Idempotency-Key': key } })
        .catch((error: unknown) => error);
      // fetch refuses to send a non-Latin-1 header value at all; the others reach the API.
      if (!(response instanceof Response)) continue;
      const problem = await expectProblem(response, 400, 'Idempotency-Key');
      expect(problem.errors.find((error: { field: string }) => error.field === 'Idempotency-Key').in).toBe('header');
    }
    expect(await tasksOfCase(body.caseId as string)).toHaveLength(0);
  });

  it('without a key nothing changes: each POST creates a task', async () => {
    const body = taskBody();
    expect((await post('/v1/tasks', undefined, body)).status).toBe(201);
    expect((await post('/v1/tasks', undefined, body)).status).toBe(201);
    expect(await tasksOfCase(body.caseId as string)).toHaveLength(2);
  });

  it('a failed request releases the key: a corrected retry with it runs', async () => {
    const key = randomUUID();
    const body = taskBody({ locationId: '000000' });
    await expectProblem(await post('/v1/tasks', key, body), 400, 'locationId');
    // Same request again: runs again (and fails again); nothing was recorded.
    await expectProblem(await post('/v1/tasks', key, body), 400, 'locationId');
  });
});

describe('Idempotency-Key on the other create endpoints', () => {
  it('POST /v1/tasks/batch: a retry replays the results and creates nothing more', async () => {
    const key = randomUUID();
    const caseId = uniqueCaseId();
    const body = { items: [{ op: 'create', task: taskBody({ caseId }) }, { op: 'create', task: taskBody({ caseId, title: 'Second' }) }] };
    const first = await snapshot(await post('/v1/tasks/batch', key, body));
    expect(first.status, first.body).toBe(200);
    expect(await snapshot(await post('/v1/tasks/batch', key, body))).toEqual(first);
    expect(await tasksOfCase(caseId)).toHaveLength(2);
  });

  it('POST /v1/users: a retry gets the 201 again, not a 409 for the user it created', async () => {
    const key = randomUUID();
    const body = { id: randomUUID(), name: 'Idem Potent', email: 'idem@justice.example', roles: ['viewer'], jurisdictions: ['IA'] };
    const first = await snapshot(await post('/v1/users', key, body, 'admin'));
    expect(first.status, first.body).toBe(201);
    expect(await snapshot(await post('/v1/users', key, body, 'admin'))).toEqual(first);
    await expectProblem(await post('/v1/users', undefined, body, 'admin'), 409);
  });

  it('POST /v1/cases/import and /v1/operations/reassign: one operation per key', async () => {
    const importKey = randomUUID();
    const cases = { cases: [{ caseId: uniqueCaseId(), jurisdiction: 'IA', locationId: '765324', caseName: 'A v B', caseType: 'Asylum' }] };
    const imported = await snapshot(await post('/v1/cases/import', importKey, cases));
    expect(imported.status, imported.body).toBe(202);
    expect(await snapshot(await post('/v1/cases/import', importKey, cases))).toEqual(imported);

    const reassignKey = randomUUID();
    // A demo caseworker's open tasks back to the queue (a directory user, as the endpoint requires).
    const reassign = { fromUserId: 'c0000000-0000-4000-8000-000000000003', toUserId: null, jurisdiction: 'EMPLOYMENT' };
    const started = await snapshot(await post('/v1/operations/reassign', reassignKey, reassign, 'admin'));
    expect(started.status, started.body).toBe(202);
    const again = await snapshot(await post('/v1/operations/reassign', reassignKey, reassign, 'admin'));
    expect(again).toEqual(started);
    const withoutKey = await snapshot(await post('/v1/operations/reassign', undefined, reassign, 'admin'));
    expect(withoutKey.location).not.toBe(started.location);
  });
});
