/**
 * Every endpoint × every role × a target inside and outside the caller's scope, with the exact
 * status expected. The table must name every route in shared/http/routes.ts, so a new endpoint
 * cannot ship without its row. Fixtures are made fresh for each cell (writes change them).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES, type RouteName } from '../../shared/http/routes.js';
import { taskBody, uniqueCaseId, inDays } from './fixtures.js';
import { startLocalHost, type LocalHost } from './local-host.js';

type Role = 'admin' | 'manager' | 'caseworker' | 'viewer';
type Scope = 'in' | 'out';
const ROLES: Role[] = ['admin', 'manager', 'caseworker', 'viewer'];

/** The callers: the demo admin, the NORTH manager and caseworker, and a viewer scoped to IA only. */
const CALLERS: Record<Role, { role: Role; userId: string }> = {
  admin: { role: 'admin', userId: 'a0000000-0000-4000-8000-000000000001' },
  manager: { role: 'manager', userId: 'b0000000-0000-4000-8000-000000000001' },
  caseworker: { role: 'caseworker', userId: 'c0000000-0000-4000-8000-000000000001' },
  viewer: { role: 'viewer', userId: 'matrix-viewer' },
};
const CASEWORKER = CALLERS.caseworker.userId;
const FAMILY_CASEWORKER = 'c0000000-0000-4000-8002-000000000001';

/** In scope for everyone: IA at Taylor House. Out of scope for all but admins: FAMILY in Birmingham. */
const PLACE: Record<Scope, { jurisdiction: string; locationId: string }> = {
  in: { jurisdiction: 'IA', locationId: '765324' },
  out: { jurisdiction: 'FAMILY', locationId: '231596' },
};

interface Request {
  method: string;
  path: string;
  json?: unknown;
  headers?: Record<string, string>;
  /** Checks on a 2xx body beyond the status (e.g. that an out-of-scope task is absent). */
  check?: (body: any) => void;
}

let host: LocalHost;
let demoCase: Record<Scope, string>;

async function newTask(scope: Scope, overrides: Record<string, unknown> = {}) {
  const assignee = scope === 'in' ? CASEWORKER : null;
  const response = await host.call('/v1/tasks', { method: 'POST', as: 'admin', json: taskBody({ ...PLACE[scope], assignee, ...overrides }) });
  const json = await response.json();
  expect(response.status, JSON.stringify(json)).toBe(201);
  return json.data as { id: string; etag: string; caseId: string };
}

async function completedTask(scope: Scope) {
  const task = await newTask(scope);
  const done = await host.call(`/v1/tasks/${task.id}/complete`, { method: 'POST', as: 'admin' });
  return (await done.json()).data as { id: string; etag: string };
}

async function newUser(scope: Scope) {
  const id = `matrix-user-${uniqueCaseId()}`;
  const response = await host.call('/v1/users', {
    method: 'POST',
    as: 'admin',
    json: { id, name: 'Matrix User', email: `${id}@justice.example`, roles: ['caseworker'], jurisdictions: [PLACE[scope].jurisdiction] },
  });
  return { id, etag: response.headers.get('etag')! };
}

const PDF_BYTES = Buffer.from('%PDF-1.7\n%%EOF\n', 'latin1');

/** A note on a new task, written by the admin. */
async function newNote(scope: Scope) {
  const task = await newTask(scope);
  const note = await host.call(`/v1/tasks/${task.id}/notes`, { method: 'POST', as: 'admin', json: { text: 'Matrix note' } });
  return { task, note: (await note.json()).data as { id: string } };
}

/** An upload the admin opened on a new task, its bytes sent to storage (`complete` not called yet). */
async function newUpload(scope: Scope) {
  const task = await newTask(scope);
  const opened = await host.call(`/v1/tasks/${task.id}/attachments`, {
    method: 'POST',
    as: 'admin',
    json: { fileName: 'matrix.pdf', contentType: 'application/pdf', sizeBytes: PDF_BYTES.length },
  });
  const attachment = (await opened.json()).data as { id: string; uploadUrl: string };
  const put = await fetch(attachment.uploadUrl, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: PDF_BYTES });
  expect(put.status).toBe(201);
  return { task, attachment };
}

/** A file the admin uploaded and completed on a new task. */
async function newFile(scope: Scope) {
  const upload = await newUpload(scope);
  expect((await host.call(`/v1/tasks/${upload.task.id}/attachments/${upload.attachment.id}/complete`, { method: 'POST', as: 'admin' })).status).toBe(200);
  return upload;
}

const listed = (taskId: string, expected: boolean) => (body: any) => expect(body.data.some((task: { id: string }) => task.id === taskId)).toBe(expected);

/** How to call each route for a target in or out of the caller's scope, and what each role gets. */
const MATRIX: Record<RouteName, { request: (scope: Scope, role: Role) => Promise<Request>; expect: Record<Role, [number, number]> }> = {
  health: { request: async () => ({ method: 'GET', path: '/v1/health' }), expect: all(200) },
  healthReady: { request: async () => ({ method: 'GET', path: '/v1/health/ready' }), expect: all(200) },
  version: { request: async () => ({ method: 'GET', path: '/v1/version' }), expect: all(200) },
  openapiDocument: { request: async () => ({ method: 'GET', path: '/openapi.json' }), expect: all(200) },
  docsPage: { request: async () => ({ method: 'GET', path: '/docs' }), expect: all(200) },
  docsAsset: { request: async () => ({ method: 'GET', path: '/docs/swagger-initializer.js' }), expect: all(200) },
  consolePage: { request: async () => ({ method: 'GET', path: '/console' }), expect: all(200) },
  consoleAsset: { request: async () => ({ method: 'GET', path: '/console/console.css' }), expect: all(200) },
  tasksCreate: {
    request: async (scope) => ({ method: 'POST', path: '/v1/tasks', json: taskBody({ ...PLACE[scope], assignee: null }) }),
    expect: { admin: [201, 201], manager: [201, 403], caseworker: [201, 403], viewer: [403, 403] },
  },
  tasksList: {
    request: async (scope, role) => {
      const task = await newTask(scope);
      return { method: 'GET', path: `/v1/tasks?caseId=${task.caseId}`, check: listed(task.id, scope === 'in' || role === 'admin') };
    },
    expect: all(200),
  },
  tasksStats: {
    request: async (scope, role) => {
      const task = await newTask(scope);
      const visible = scope === 'in' || role === 'admin';
      // Stats come from counters kept from the task events: the task counts once they are delivered.
      await host.brokerIdle();
      return { method: 'GET', path: `/v1/tasks/stats?caseId=${task.caseId}`, check: (body) => expect(body.data.total).toBe(visible ? 1 : 0) };
    },
    expect: all(200),
  },
  tasksBatch: {
    request: async (scope, role) => {
      const task = await newTask(scope);
      const expectedItem = scope === 'in' || role === 'admin' ? 200 : 404;
      return {
        method: 'POST',
        path: '/v1/tasks/batch',
        json: { items: [{ op: 'update', id: task.id, ifMatch: task.etag, patch: { priority: 'urgent' } }] },
        check: (body) => {
          expect(body.data.results[0].status).toBe(expectedItem);
          if (expectedItem === 404) expect(JSON.stringify(body.data.results[0])).not.toContain(PLACE.out.jurisdiction);
        },
      };
    },
    expect: { admin: [200, 200], manager: [200, 200], caseworker: [200, 200], viewer: [403, 403] },
  },
  casesImport: {
    request: async (scope, role) => ({
      method: 'POST',
      path: '/v1/cases/import',
      json: { cases: [{ caseId: uniqueCaseId(), ...PLACE[scope], caseName: 'Matrix case', caseType: 'Asylum' }] },
      // Out of scope, a manager's row is rejected (reported on the operation), never imported.
      check: (body) => expect(body.data.progress.failed).toBe(scope === 'out' && role !== 'admin' ? 1 : 0),
    }),
    expect: { admin: [202, 202], manager: [202, 202], caseworker: [403, 403], viewer: [403, 403] },
  },
  operationsReassign: {
    request: async (scope, role) => {
      const holder = await newUser(scope);
      await newTask(scope, { assignee: holder.id });
      return {
        method: 'POST',
        path: '/v1/operations/reassign',
        json: { fromUserId: holder.id, toUserId: null },
        check: (body) => expect(body.data.progress.totalItems).toBe(1),
      };
    },
    // A manager names only people of their own jurisdictions: one elsewhere is refused as an unknown user would be.
    expect: { admin: [202, 202], manager: [202, 400], caseworker: [403, 403], viewer: [403, 403] },
  },
  operationsGet: {
    // In scope: the caller's own operation (where their role may start one); out of scope: another manager's.
    request: async (scope, role) => {
      const own = scope === 'in' && (role === 'admin' || role === 'manager');
      const owner = own ? CALLERS[role] : { role: 'manager' as const, userId: 'b0000000-0000-4000-8000-000000000002' };
      // The other manager (FAMILY among her jurisdictions) reassigns someone of her own scope.
      const started = await host.call('/v1/operations/reassign', { method: 'POST', as: owner, json: { fromUserId: (await newUser(own ? scope : 'out')).id, toUserId: null } });
      return { method: 'GET', path: `/v1/operations/${(await started.json()).data.id}` };
    },
    expect: { admin: [200, 200], manager: [200, 404], caseworker: [404, 404], viewer: [404, 404] },
  },
  tasksGet: {
    request: async (scope) => ({ method: 'GET', path: `/v1/tasks/${(await newTask(scope)).id}` }),
    expect: { admin: [200, 200], manager: [200, 404], caseworker: [200, 404], viewer: [200, 404] },
  },
  tasksPatch: {
    request: async (scope) => {
      const task = await newTask(scope);
      return { method: 'PATCH', path: `/v1/tasks/${task.id}`, headers: { 'if-match': task.etag }, json: { priority: 'low' } };
    },
    expect: { admin: [200, 200], manager: [200, 404], caseworker: [200, 404], viewer: [403, 403] },
  },
  tasksReplace: {
    request: async (scope) => {
      const task = await newTask(scope);
      const assignee = scope === 'in' ? CASEWORKER : null;
      return {
        method: 'PUT',
        path: `/v1/tasks/${task.id}`,
        headers: { 'if-match': task.etag },
        json: { locationId: PLACE[scope].locationId, title: 'Replaced', description: '', status: 'pending', priority: 'low', dueDate: inDays(3), assignee },
      };
    },
    expect: { admin: [200, 200], manager: [200, 404], caseworker: [200, 404], viewer: [403, 403] },
  },
  tasksDelete: {
    request: async (scope) => {
      const task = await newTask(scope);
      return { method: 'DELETE', path: `/v1/tasks/${task.id}`, headers: { 'if-match': task.etag } };
    },
    expect: { admin: [204, 204], manager: [403, 404], caseworker: [403, 404], viewer: [403, 403] },
  },
  tasksClaim: {
    request: async (scope) => ({ method: 'POST', path: `/v1/tasks/${(await newTask(scope, { assignee: null })).id}/claim` }),
    expect: { admin: [200, 200], manager: [200, 404], caseworker: [200, 404], viewer: [403, 404] },
  },
  tasksUnclaim: {
    // In scope the task is the caseworker's: only they may let it go; others are told it is not theirs.
    request: async (scope) => ({ method: 'POST', path: `/v1/tasks/${(await newTask(scope, scope === 'out' ? { assignee: FAMILY_CASEWORKER } : {})).id}/unclaim` }),
    expect: { admin: [409, 409], manager: [409, 404], caseworker: [200, 404], viewer: [403, 404] },
  },
  tasksAssign: {
    request: async (scope) => ({
      method: 'POST',
      path: `/v1/tasks/${(await newTask(scope)).id}/assign`,
      json: { userId: scope === 'in' ? 'c0000000-0000-4000-8000-000000000002' : FAMILY_CASEWORKER },
    }),
    expect: { admin: [200, 200], manager: [200, 404], caseworker: [403, 404], viewer: [403, 404] },
  },
  tasksComplete: {
    request: async (scope) => ({ method: 'POST', path: `/v1/tasks/${(await newTask(scope)).id}/complete` }),
    expect: { admin: [200, 200], manager: [200, 404], caseworker: [200, 404], viewer: [403, 404] },
  },
  tasksCancel: {
    request: async (scope) => ({ method: 'POST', path: `/v1/tasks/${(await newTask(scope)).id}/cancel`, json: { reason: 'Not needed' } }),
    expect: { admin: [200, 200], manager: [200, 404], caseworker: [200, 404], viewer: [403, 404] },
  },
  tasksReopen: {
    request: async (scope) => ({ method: 'POST', path: `/v1/tasks/${(await completedTask(scope)).id}/reopen` }),
    expect: { admin: [200, 200], manager: [200, 404], caseworker: [403, 404], viewer: [403, 404] },
  },
  tasksHistory: {
    request: async (scope) => ({ method: 'GET', path: `/v1/tasks/${(await newTask(scope)).id}/history` }),
    expect: { admin: [200, 200], manager: [200, 404], caseworker: [200, 404], viewer: [200, 404] },
  },
  tasksHistoryVerify: {
    request: async (scope) => ({ method: 'GET', path: `/v1/tasks/${(await newTask(scope)).id}/history/verify` }),
    expect: { admin: [200, 200], manager: [200, 404], caseworker: [200, 404], viewer: [200, 404] },
  },
  tasksNotesCreate: {
    request: async (scope) => ({ method: 'POST', path: `/v1/tasks/${(await newTask(scope)).id}/notes`, json: { text: 'Called the appellant' } }),
    expect: { admin: [201, 201], manager: [201, 404], caseworker: [201, 404], viewer: [403, 404] },
  },
  tasksNotesList: {
    request: async (scope) => {
      const { task, note } = await newNote(scope);
      return { method: 'GET', path: `/v1/tasks/${task.id}/notes`, check: (body) => expect(body.data.map((item: { id: string }) => item.id)).toEqual([note.id]) };
    },
    expect: { admin: [200, 200], manager: [200, 404], caseworker: [200, 404], viewer: [200, 404] },
  },
  tasksNotesRedact: {
    request: async (scope) => {
      const { task, note } = await newNote(scope);
      return { method: 'POST', path: `/v1/tasks/${task.id}/notes/${note.id}/redact`, json: { reason: 'Personal data' } };
    },
    expect: { admin: [200, 200], manager: [403, 404], caseworker: [403, 404], viewer: [403, 404] },
  },
  tasksAttachmentsCreate: {
    request: async (scope) => ({
      method: 'POST',
      path: `/v1/tasks/${(await newTask(scope)).id}/attachments`,
      json: { fileName: 'bundle.pdf', contentType: 'application/pdf', sizeBytes: 1000 },
    }),
    expect: { admin: [201, 201], manager: [201, 404], caseworker: [201, 404], viewer: [403, 404] },
  },
  tasksAttachmentsList: {
    request: async (scope) => {
      const { task, attachment } = await newFile(scope);
      return { method: 'GET', path: `/v1/tasks/${task.id}/attachments`, check: (body) => expect(body.data.map((item: { id: string }) => item.id)).toEqual([attachment.id]) };
    },
    expect: { admin: [200, 200], manager: [200, 404], caseworker: [200, 404], viewer: [200, 404] },
  },
  tasksAttachmentsGet: {
    request: async (scope) => {
      const { task, attachment } = await newFile(scope);
      return { method: 'GET', path: `/v1/tasks/${task.id}/attachments/${attachment.id}`, check: (body) => expect(body.data.downloadUrl).toEqual(expect.any(String)) };
    },
    expect: { admin: [200, 200], manager: [200, 404], caseworker: [200, 404], viewer: [200, 404] },
  },
  tasksAttachmentsComplete: {
    request: async (scope) => {
      const { task, attachment } = await newUpload(scope);
      return { method: 'POST', path: `/v1/tasks/${task.id}/attachments/${attachment.id}/complete`, check: (body) => expect(body.data.status).toBe('available') };
    },
    expect: { admin: [200, 200], manager: [200, 404], caseworker: [200, 404], viewer: [403, 404] },
  },
  tasksAttachmentsDelete: {
    // The admin uploaded the file: other roles in scope are not its uploader.
    request: async (scope) => {
      const { task, attachment } = await newFile(scope);
      return { method: 'DELETE', path: `/v1/tasks/${task.id}/attachments/${attachment.id}` };
    },
    expect: { admin: [204, 204], manager: [403, 404], caseworker: [403, 404], viewer: [403, 404] },
  },
  usersList: {
    request: async (scope, role) => {
      const user = await newUser(scope);
      return { method: 'GET', path: '/v1/users?limit=100&role=caseworker', check: (body) => expect(body.data.some((u: { id: string }) => u.id === user.id)).toBe(scope === 'in' || role === 'admin') };
    },
    expect: { admin: [200, 200], manager: [200, 200], caseworker: [403, 403], viewer: [403, 403] },
  },
  usersCreate: {
    request: async (scope) => {
      const id = `matrix-created-${uniqueCaseId()}`;
      return { method: 'POST', path: '/v1/users', json: { id, name: 'Created', email: `${id}@justice.example`, roles: ['viewer'], jurisdictions: [PLACE[scope].jurisdiction] } };
    },
    expect: { admin: [201, 201], manager: [403, 403], caseworker: [403, 403], viewer: [403, 403] },
  },
  usersMe: { request: async () => ({ method: 'GET', path: '/v1/users/me' }), expect: all(200) },
  usersMeUpdate: { request: async () => ({ method: 'PATCH', path: '/v1/users/me', json: { notificationPreferences: { overdueDigest: true } } }), expect: all(200) },
  usersGet: {
    request: async (scope) => ({ method: 'GET', path: `/v1/users/${(await newUser(scope)).id}` }),
    expect: { admin: [200, 200], manager: [200, 404], caseworker: [403, 403], viewer: [403, 403] },
  },
  usersUpdate: {
    request: async (scope) => {
      const user = await newUser(scope);
      return { method: 'PATCH', path: `/v1/users/${user.id}`, headers: { 'if-match': user.etag }, json: { name: 'Renamed' } };
    },
    expect: { admin: [200, 200], manager: [403, 403], caseworker: [403, 403], viewer: [403, 403] },
  },
  usersDeactivate: {
    request: async (scope) => ({ method: 'POST', path: `/v1/users/${(await newUser(scope)).id}/deactivate` }),
    expect: { admin: [200, 200], manager: [403, 403], caseworker: [403, 403], viewer: [403, 403] },
  },
  locationsList: { request: async () => ({ method: 'GET', path: '/v1/locations' }), expect: all(200) },
  casesGet: {
    request: async (scope) => ({ method: 'GET', path: `/v1/cases/${demoCase[scope]}` }),
    expect: { admin: [200, 200], manager: [200, 404], caseworker: [200, 404], viewer: [200, 404] },
  },
  casesTasks: {
    request: async (scope, role) => {
      const task = await newTask(scope);
      return { method: 'GET', path: `/v1/cases/${task.caseId}/tasks`, check: listed(task.id, scope === 'in' || role === 'admin') };
    },
    expect: all(200),
  },
  adminDeadLetters: {
    request: async () => ({ method: 'GET', path: '/v1/admin/dead-letters/audit' }),
    expect: { admin: [200, 200], manager: [403, 403], caseworker: [403, 403], viewer: [403, 403] },
  },
  adminDeadLettersReplay: {
    request: async () => ({ method: 'POST', path: '/v1/admin/dead-letters/overdue-tasks/replay' }),
    expect: { admin: [200, 200], manager: [403, 403], caseworker: [403, 403], viewer: [403, 403] },
  },
  adminOverview: {
    request: async () => ({ method: 'GET', path: '/v1/admin/overview' }),
    expect: { admin: [200, 200], manager: [403, 403], caseworker: [403, 403], viewer: [403, 403] },
  },
};

function all(status: number): Record<Role, [number, number]> {
  return { admin: [status, status], manager: [status, status], caseworker: [status, status], viewer: [status, status] };
}

beforeAll(async () => {
  host = await startLocalHost();
  const viewer = await host.call('/v1/users', {
    method: 'POST',
    as: 'admin',
    json: { id: CALLERS.viewer.userId, name: 'Matrix Viewer', email: 'matrix.viewer@justice.example', roles: ['viewer'], jurisdictions: ['IA'] },
  });
  expect(viewer.status).toBe(201);
  // Demo cases (imported with the demo data) in each scope.
  const inCase = await (await host.call('/v1/tasks?jurisdiction=IA&locationId=765324&limit=1', { as: 'admin' })).json();
  const outCase = await (await host.call('/v1/tasks?jurisdiction=FAMILY&locationId=231596&limit=1', { as: 'admin' })).json();
  demoCase = { in: inCase.data[0].caseId, out: outCase.data[0].caseId };
});
afterAll(async () => host?.dispose());

describe('authorization matrix', () => {
  it('covers every route', () => {
    expect(Object.keys(MATRIX).sort()).toEqual(Object.keys(ROUTES).sort());
    for (const [name, route] of Object.entries(ROUTES)) expect(name in MATRIX, `${route.method} ${route.path}`).toBe(true);
  });

  for (const name of Object.keys(MATRIX) as RouteName[]) {
    it(`${ROUTES[name].method} /api/${ROUTES[name].path}`, async () => {
      const failures: string[] = [];
      for (const role of ROLES) {
        for (const [index, scope] of (['in', 'out'] as const).entries()) {
          const request = await MATRIX[name].request(scope, role);
          const response = await host.call(request.path, {
            method: request.method,
            as: CALLERS[role],
            ...(request.headers ? { headers: request.headers } : {}),
            ...(request.json === undefined ? {} : { json: request.json }),
          });
          const expected = MATRIX[name].expect[role][index];
          const text = await response.text();
          if (response.status !== expected) failures.push(`${role}/${scope}: expected ${expected}, got ${response.status} ${text.slice(0, 200)}`);
          else if (response.status < 300 && request.check && text) {
            try {
              request.check(JSON.parse(text));
            } catch (error) {
              failures.push(`${role}/${scope}: ${(error as Error).message}`);
            }
          } else if (response.status >= 400) {
            expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
          }
        }
      }
      expect(failures).toEqual([]);
    });
  }
});
