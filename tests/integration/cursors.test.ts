import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS, defaultDemoUser } from '../../dev/demo-users.js';
import { CursorCodec, cursorOwner } from '../../shared/store/cursor.js';
import { buildTaskListQuery } from '../../shared/store/task-query-builder.js';
import { createTask, expectProblem, uniqueCaseId } from './fixtures.js';
import { startLocalHost, type LocalHost } from './local-host.js';

/** A key the test knows, so it can sign cursors the way the API does (the forged-but-valid case). */
const KEY = randomBytes(32);

let host: LocalHost;
const caseId = uniqueCaseId();
const otherCase = uniqueCaseId();
const tasks: { id: string; etag: string }[] = [];

beforeAll(async () => {
  host = await startLocalHost({ env: { CURSOR_KEYS: KEY.toString('base64') } });
  for (let i = 0; i < 7; i++) tasks.push(await createTask(host, { caseId, title: `Paged ${i}` }));
  await createTask(host, { caseId: otherCase });
});
afterAll(async () => host?.dispose());

type As = NonNullable<Parameters<LocalHost['call']>[1]>['as'];

async function firstPage(path: string, as: As = 'manager'): Promise<string> {
  const response = await host.call(path, { as });
  const json = (await response.json()) as any;
  expect(response.status, JSON.stringify(json)).toBe(200);
  expect(json.pagination.nextCursor).toEqual(expect.any(String));
  return json.pagination.nextCursor;
}

const withCursor = (path: string, cursor: string) => `${path}${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}`;

describe('cursors are tamper-evident and bound to their query and caller', () => {
  it('the next page works with the cursor as issued', async () => {
    const cursor = await firstPage(`/v1/tasks?caseId=${caseId}&limit=3`);
    const response = await host.call(withCursor(`/v1/tasks?caseId=${caseId}&limit=3`, cursor), { as: 'manager' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as any).data).toHaveLength(3);
  });

  it('a tampered cursor is a 400 problem naming cursor, before the database sees it', async () => {
    const cursor = await firstPage(`/v1/tasks?caseId=${caseId}&limit=3`);
    const [payload, mac] = cursor.split('.') as [string, string];
    // Change the continuation token inside (decode, edit, re-encode), keeping the MAC.
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    decoded.t = decoded.t.replace(/\d/, (digit: string) => String((Number(digit) + 1) % 10));
    const edited = `${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${mac}`;
    // And flip one character of the MAC, and of the payload text.
    const flipped = `${payload}.${mac.slice(0, 10)}${mac[10] === 'A' ? 'B' : 'A'}${mac.slice(11)}`;
    const garbled = `${payload.slice(0, 5)}${payload[5] === 'x' ? 'y' : 'x'}${payload.slice(6)}.${mac}`;
    for (const tampered of [edited, flipped, garbled, payload, 'abc']) {
      const problem = await expectProblem(await host.call(withCursor(`/v1/tasks?caseId=${caseId}&limit=3`, tampered), { as: 'manager' }), 400, 'cursor');
      expect(problem.type).toBe('/problems/validation');
      expect(problem.errors[0].in).toBe('query');
    }
  });

  it('a cursor from one filter used with another is a 400 naming cursor', async () => {
    const cursor = await firstPage(`/v1/tasks?caseId=${caseId}&limit=3`);
    for (const other of [`/v1/tasks?caseId=${otherCase}&limit=3`, `/v1/tasks?caseId=${caseId}&limit=3&sort=priority`, `/v1/tasks?caseId=${caseId}&limit=3&q=paged`]) {
      const problem = await expectProblem(await host.call(withCursor(other, cursor), { as: 'manager' }), 400, 'cursor');
      expect(problem.errors[0].message).toMatch(/different query/);
    }
  });

  it("a cursor used on another endpoint, or by another caller, is a 400 naming cursor", async () => {
    const cursor = await firstPage(`/v1/tasks?caseId=${caseId}&limit=3`);
    await expectProblem(await host.call(withCursor('/v1/users?limit=3', cursor), { as: 'manager' }), 400, 'cursor');
    const otherManager = DEMO_USERS.find((user) => user.role === 'manager' && user.id !== defaultDemoUser('manager').id)!;
    for (const as of [{ role: 'manager' as const, userId: otherManager.id }, 'caseworker' as const, 'admin' as const]) {
      const problem = await expectProblem(await host.call(withCursor(`/v1/tasks?caseId=${caseId}&limit=3`, cursor), { as }), 400, 'cursor');
      expect(problem.errors[0].message).toMatch(/issued to another caller/);
    }
  });

  it("one task's history cursor does not page another task's history", async () => {
    const [a, b] = tasks.map((task) => task.id) as [string, string];
    // Two audit records for a (created, updated), so its first one-record page has a next cursor.
    const patched = await host.call(`/v1/tasks/${a}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': tasks[0]!.etag }, json: { title: 'Paged 0, renamed' } });
    expect(patched.status).toBe(200);
    await host.brokerIdle();
    const cursor = await firstPage(`/v1/tasks/${a}/history?limit=1`);
    await expectProblem(await host.call(withCursor(`/v1/tasks/${b}/history?limit=1`, cursor), { as: 'manager' }), 400, 'cursor');
  }, 60_000);

  it('a validly signed cursor whose token the database refuses is a 400 naming cursor, not a 500', async () => {
    const admin = defaultDemoUser('admin');
    const owner = cursorOwner({ userId: admin.id, name: admin.name, roles: ['admin'], workScope: { jurisdictions: admin.jurisdictions, locations: admin.locations } });
    const spec = buildTaskListQuery({ caseId }, { kind: 'all' }, 'dueDate', 'asc');
    const path = `/v1/cases/${caseId}/tasks?limit=3`;
    const genuine = await firstPage(path, 'admin');
    // The test signs the way the API does: the genuine cursor round-trips through this codec.
    const codec = new CursorCodec([KEY]);
    expect(codec.decode(genuine, spec, owner)).toEqual(expect.any(String));
    for (const token of ['{"not":"a continuation"}', '[]']) {
      const problem = await expectProblem(await host.call(withCursor(path, codec.encode(spec, owner, token)), { as: 'admin' }), 400, 'cursor');
      expect(problem.errors[0].message).toMatch(/can no longer be resumed/);
    }
    expect(host.output()).not.toMatch(/Unhandled error in cases-tasks/);
  });
});
