import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask, expectProblem } from './fixtures.js';
import { startLocalHost, type LocalHost } from './local-host.js';
import { caseIds, createCaseworker, CSV_HEADER, getOperation, startOperation, waitForOperation } from './operations-fixtures.js';

let host: LocalHost;
beforeAll(async () => {
  host = await startLocalHost();
});
afterAll(async () => host?.dispose());

/** Demo users (dev/demo-users.ts): Morgan manages IA, SSCS, EMPLOYMENT; Mina the other four. */
const MORGAN = 'b0000000-0000-4000-8000-000000000001';
const MINA = { role: 'manager' as const, userId: 'b0000000-0000-4000-8000-000000000002' };

const taskOf = async (id: string) => (await (await host.call(`/v1/tasks/${id}`, { as: 'admin' })).json()).data;

describe('bulk reassignment', () => {
  it('moves exactly the open tasks of fromUser in the manager’s scope, audited, and reports progress to completion', async () => {
    const from = await createCaseworker(host, ['IA', 'CIVIL']);
    const to = await createCaseworker(host, ['IA']);
    const open = [];
    for (let i = 0; i < 3; i++) open.push(await createTask(host, { assignee: from, title: `Open ${i}` }));
    const started = await createTask(host, { assignee: from, title: 'In progress' });
    await host.call(`/v1/tasks/${started.id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': started.etag }, json: { status: 'in_progress' } });
    const completed = await createTask(host, { assignee: from, title: 'Completed' });
    expect((await host.call(`/v1/tasks/${completed.id}/complete`, { method: 'POST', as: 'manager' })).status).toBe(200);
    // CIVIL is outside Morgan's scope: created by an admin, never touched by Morgan's reassignment.
    const outOfScope = await createTask(host, { assignee: from, jurisdiction: 'CIVIL', title: 'Civil' }, 'admin');

    const operation = await startOperation(host, '/v1/operations/reassign', 'manager', { json: { fromUserId: from, toUserId: to } });
    expect(operation).toMatchObject({
      type: 'reassign',
      status: expect.stringMatching(/^(queued|running|succeeded)$/),
      requestedBy: { userId: MORGAN, name: 'Morgan Manager' },
      parameters: { fromUserId: from, toUserId: to, jurisdiction: null },
      progress: { totalItems: 4, totalChunks: 1 },
    });

    const done = await waitForOperation(host, operation.id);
    expect(done).toMatchObject({
      status: 'succeeded',
      completedAt: expect.any(String),
      progress: { totalItems: 4, processedItems: 4, succeeded: 4, failed: 0, skipped: 0, totalChunks: 1, completedChunks: 1 },
      errors: [],
      omittedErrors: 0,
    });
    for (const task of [...open, started]) expect((await taskOf(task.id)).assignee).toBe(to);
    expect(await taskOf(completed.id)).toMatchObject({ assignee: from, status: 'completed' });
    expect(await taskOf(outOfScope.id)).toMatchObject({ assignee: from, status: 'pending' });

    await host.brokerIdle();
    const history = (await (await host.call(`/v1/tasks/${open[0]!.id}/history`, { as: 'manager' })).json()).data;
    expect(history.at(-1)).toMatchObject({ type: 'task.assigned', actor: { userId: MORGAN }, changes: ['assignee'] });
    expect(history.at(-1).before.assignee).toBe(from);
    expect(history.at(-1).after.assignee).toBe(to);
    const verify = (await (await host.call(`/v1/tasks/${open[0]!.id}/history/verify`, { as: 'manager' })).json()).data;
    expect(verify).toMatchObject({ intact: true, upToDate: true });

    // Only the requester and admins see it.
    expect((await getOperation(host, operation.id, 'manager')).id).toBe(operation.id);
    await expectProblem(await host.call(`/v1/operations/${operation.id}`, { as: MINA }), 404);
    await expectProblem(await host.call(`/v1/operations/${operation.id}`, { as: 'caseworker' }), 404);
    await expectProblem(await host.call(`/v1/operations/00000000-0000-4000-8000-000000000000`, { as: 'admin' }), 404);
  });

  it('reports a per-task failure when the target cannot hold the task, and leaves those tasks alone', async () => {
    const from = await createCaseworker(host, ['IA', 'CIVIL']);
    const to = await createCaseworker(host, ['IA']);
    const ia = await createTask(host, { assignee: from }, 'admin');
    const civil = [await createTask(host, { assignee: from, jurisdiction: 'CIVIL' }, 'admin'), await createTask(host, { assignee: from, jurisdiction: 'CIVIL' }, 'admin')];

    const operation = await startOperation(host, '/v1/operations/reassign', 'admin', { json: { fromUserId: from, toUserId: to } });
    const done = await waitForOperation(host, operation.id);
    expect(done).toMatchObject({ status: 'completed_with_errors', progress: { totalItems: 3, succeeded: 1, failed: 2, skipped: 0 } });
    expect(done.errors).toEqual(
      expect.arrayContaining(civil.map((task) => ({ item: task.id, field: 'toUserId', message: 'must be an active caseworker or manager who works in CIVIL at location 765324' }))),
    );
    expect(done.errors).toHaveLength(2);
    for (const task of civil) expect(await taskOf(task.id)).toMatchObject({ assignee: from, etag: task.etag });
    expect((await taskOf(ia.id)).assignee).toBe(to);
  });

  it('puts tasks back in the queue with toUserId null; with nothing to move the operation is finished at once', async () => {
    const from = await createCaseworker(host, ['IA']);
    const task = await createTask(host, { assignee: from });
    const operation = await startOperation(host, '/v1/operations/reassign', 'manager', { json: { fromUserId: from, toUserId: null, jurisdiction: 'IA' } });
    await waitForOperation(host, operation.id);
    expect(await taskOf(task.id)).toMatchObject({ assignee: null, status: 'pending' });

    const empty = await startOperation(host, '/v1/operations/reassign', 'manager', { json: { fromUserId: from, toUserId: null } });
    expect(empty).toMatchObject({ status: 'succeeded', completedAt: expect.any(String), progress: { totalItems: 0, totalChunks: 0 } });
  });

  it('refuses unknown, out-of-scope or inactive users (indistinguishably) and bad bodies with the field named; caseworkers may not start one', async () => {
    const from = await createCaseworker(host, ['IA']);
    const post = (json: unknown, as: 'manager' | 'caseworker' = 'manager') => host.call('/v1/operations/reassign', { method: 'POST', as, json });
    const facts = ({ correlationId: _c, instance: _i, ...problem }: Record<string, any>) => problem;
    const southern = await createCaseworker(host, ['FAMILY']); // outside Morgan's jurisdictions
    const unknownFrom = facts(await expectProblem(await post({ fromUserId: 'nobody-at-all', toUserId: null }), 400, 'fromUserId'));
    const outOfScopeFrom = facts(await expectProblem(await post({ fromUserId: southern, toUserId: null }), 400, 'fromUserId'));
    expect(outOfScopeFrom).toEqual(unknownFrom);
    const inactive = await createCaseworker(host, ['IA']);
    expect((await host.call(`/v1/users/${inactive}/deactivate`, { method: 'POST', as: 'admin' })).status).toBe(200);
    const unknownTo = facts(await expectProblem(await post({ fromUserId: from, toUserId: 'nobody-at-all' }), 400, 'toUserId'));
    expect(facts(await expectProblem(await post({ fromUserId: from, toUserId: southern }), 400, 'toUserId'))).toEqual(unknownTo);
    expect(facts(await expectProblem(await post({ fromUserId: from, toUserId: inactive }), 400, 'toUserId'))).toEqual(unknownTo);
    expect(JSON.stringify([unknownFrom, unknownTo])).not.toMatch(/nobody|op-|FAMILY|deactivated/);
    await expectProblem(await post({ fromUserId: from, toUserId: from }), 400, 'toUserId');
    await expectProblem(await post({ fromUserId: from }), 400, 'toUserId');
    await expectProblem(await post({ fromUserId: from, toUserId: null }, 'caseworker'), 403);
  });
});

describe('case import', () => {
  it('imports a CSV: quoted commas parse, refused rows are reported by row number and reason, valid cases are readable', async () => {
    const [ok1, ok2, bad, civil, unknownLocation, ok3] = caseIds(6, '81');
    const csv = [
      CSV_HEADER,
      `${ok1},IA,765324,"Smith, John v Secretary of State",Asylum`,
      `${ok2},SSCS,698118,"Jones ""JJ"" v DWP",PIP`,
      `${bad!.slice(0, 10)},NARNIA,765324,,9x`,
      `${civil},CIVIL,231596,Out of scope,Money`,
      `${unknownLocation},IA,000000,Nowhere,Asylum`,
      `${ok3},IA,765324,Plain,Asylum`,
    ].join('\r\n');
    const operation = await startOperation(host, '/v1/cases/import', 'manager', { csv });
    expect(operation).toMatchObject({ type: 'case-import', parameters: { rows: 6 }, progress: { totalItems: 6, totalChunks: 1 } });

    const done = await waitForOperation(host, operation.id);
    expect(done).toMatchObject({
      status: 'completed_with_errors',
      progress: { totalItems: 6, processedItems: 6, succeeded: 3, failed: 3, skipped: 0, completedChunks: 1 },
    });
    expect(done.errors).toEqual([
      { item: 'row 3', field: 'caseId', message: 'must be a 16-digit CCD case reference' },
      { item: 'row 3', field: 'jurisdiction', message: expect.stringMatching(/^must be one of: IA, CIVIL/) },
      { item: 'row 3', field: 'caseName', message: 'must not be empty' },
      { item: 'row 3', field: 'caseType', message: 'must be 1-64 letters, digits, _ or -, starting with a letter' },
      { item: 'row 4', field: 'jurisdiction', message: 'is outside your work scope: you do not work in CIVIL' },
      { item: 'row 5', field: 'locationId', message: 'is not a known location (000000)' },
    ]);
    const read = async (caseId: string) => host.call(`/v1/cases/${caseId}`, { as: 'manager' });
    expect((await (await read(ok1!)).json()).data).toMatchObject({ caseId: ok1, caseName: 'Smith, John v Secretary of State', jurisdiction: 'IA' });
    expect((await (await read(ok2!)).json()).data.caseName).toBe('Jones "JJ" v DWP');
    expect((await read(ok3!)).status).toBe(200);
    expect((await host.call(`/v1/cases/${civil}`, { as: 'admin' })).status).toBe(404);
    expect((await host.call(`/v1/cases/${unknownLocation}`, { as: 'admin' })).status).toBe(404);
  });

  it('imports JSON the same way; a body with no valid row is a finished operation reporting every rejection', async () => {
    const [a, b] = caseIds(2, '82');
    const operation = await startOperation(host, '/v1/cases/import', 'admin', {
      json: {
        cases: [
          { caseId: a, jurisdiction: 'CIVIL', locationId: '231596', caseName: 'Acme v Bloggs', caseType: 'Money' },
          { caseId: b, jurisdiction: 'IA', locationId: '765324', caseName: 'Extra', caseType: 'Asylum', priority: 'high' },
          { caseId: a, jurisdiction: 'CIVIL', locationId: '231596', caseName: 'Repeat', caseType: 'Money' },
        ],
      },
    });
    const done = await waitForOperation(host, operation.id);
    expect(done).toMatchObject({ status: 'completed_with_errors', progress: { succeeded: 1, failed: 2 } });
    expect(done.errors).toEqual([
      { item: 'row 2', field: 'priority', message: 'is not a known field' },
      { item: 'row 3', field: 'caseId', message: 'repeats the case reference of row 1' },
    ]);
    expect((await (await host.call(`/v1/cases/${a}`, { as: 'admin' })).json()).data.caseName).toBe('Acme v Bloggs');

    const nothing = await startOperation(host, '/v1/cases/import', 'manager', { json: { cases: [{ caseId: 'x' }] } });
    expect(nothing).toMatchObject({ status: 'completed_with_errors', completedAt: expect.any(String), progress: { totalItems: 1, failed: 1, totalChunks: 0 } });
    expect(nothing.errors.map((error: { field: string }) => error.field)).toEqual(['caseId', 'jurisdiction', 'locationId', 'caseName', 'caseType']);
  });

  it('keeps case records and tasks in agreement: a reference used by IA tasks is not imported elsewhere, and a case keeps its jurisdiction', async () => {
    const [used, existing] = caseIds(2, '85');
    await createTask(host, { caseId: used, jurisdiction: 'IA' });
    const first = await startOperation(host, '/v1/cases/import', 'admin', {
      json: { cases: [{ caseId: existing, jurisdiction: 'SSCS', locationId: '698118', caseName: 'Existing', caseType: 'PIP' }] },
    });
    expect(await waitForOperation(host, first.id)).toMatchObject({ status: 'succeeded' });

    const operation = await startOperation(host, '/v1/cases/import', 'admin', {
      csv: [CSV_HEADER, `${used},FAMILY,231596,Elsewhere,Divorce`, `${existing},CIVIL,231596,Moved,Money`].join('\n'),
    });
    const done = await waitForOperation(host, operation.id);
    expect(done).toMatchObject({ status: 'completed_with_errors', progress: { succeeded: 0, failed: 2 } });
    expect(done.errors).toEqual([
      { item: 'row 1', field: 'caseId', message: 'is used by IA tasks' },
      { item: 'row 2', field: 'jurisdiction', message: 'must be SSCS: the case is already imported in SSCS, and a case keeps its jurisdiction' },
    ]);
    expect((await host.call(`/v1/cases/${used}`, { as: 'admin' })).status).toBe(404);
    expect((await (await host.call(`/v1/cases/${existing}`, { as: 'admin' })).json()).data).toMatchObject({ jurisdiction: 'SSCS', caseName: 'Existing' });
    // IA can still add tasks to its own case.
    await createTask(host, { caseId: used, jurisdiction: 'IA' });
  });

  it('still runs when Service Bus was down at the request: the dispatch relay queues its chunks later', async () => {
    const [caseId] = caseIds(1, '84');
    await host.broker('/faults', { method: 'PUT', json: { failSends: true } });
    const operation = await startOperation(host, '/v1/cases/import', 'manager', {
      json: { cases: [{ caseId, jurisdiction: 'IA', locationId: '765324', caseName: 'Outage', caseType: 'Asylum' }] },
    }).finally(() => host.broker('/faults', { method: 'PUT', json: { failSends: false } }));
    expect(operation.status).toBe('queued');

    // The relay leaves operations younger than 10 s to their request.
    await new Promise((wait) => setTimeout(wait, Date.parse(operation.createdAt) + 10_500 - Date.now()));
    await host.runFunction('operations-dispatch');
    expect(await waitForOperation(host, operation.id)).toMatchObject({ status: 'succeeded', progress: { succeeded: 1 } });
    expect((await host.call(`/v1/cases/${caseId}`, { as: 'manager' })).status).toBe(200);
  }, 40_000);

  it('answers 415 for another content type, 400 for malformed CSV or a bad header, 413 above 2 MiB', async () => {
    const post = (body: string, contentType: string) => host.call('/v1/cases/import', { method: 'POST', as: 'manager', headers: { 'content-type': contentType }, body });
    await expectProblem(await post(`${CSV_HEADER}\n`, 'text/plain'), 415);
    const unclosed = await expectProblem(await post(`${CSV_HEADER}\n1234567812345678,IA,765324,"Unclosed,Asylum\n`, 'text/csv'), 400, '(root)');
    expect(unclosed.errors[0].message).toMatch(/^is not valid CSV: Quote Not Closed/);
    await expectProblem(await post(`${CSV_HEADER}\n1234567812345678,IA,765324,Smith, John,Asylum\n`, 'text/csv'), 400, '(root)');
    await expectProblem(await post('caseId,name\n1,2\n', 'text/csv'), 400, 'header');
    await expectProblem(await post(`${CSV_HEADER}\n`, 'text/csv'), 400, 'cases');
    await expectProblem(await post('{"cases": [', 'application/json'), 400);
    // Over 64 KiB is fine here; over 2 MiB is not.
    const row = `1234567812345678,IA,765324,${'x'.repeat(200)},Asylum\n`;
    await expectProblem(await post(CSV_HEADER + '\n' + row.repeat(Math.ceil((2 * 1024 * 1024) / row.length)), 'text/csv'), 413);
    const big = await post(CSV_HEADER + '\n' + `1234567812345678,IA,765324,${'x'.repeat(250)},Asylum\n`.repeat(400), 'text/csv');
    expect(big.status).toBe(202);
    await expectProblem(await host.call('/v1/cases/import', { method: 'POST', as: 'caseworker', headers: { 'content-type': 'text/csv' }, body: `${CSV_HEADER}\n` }), 403);
  });
});
