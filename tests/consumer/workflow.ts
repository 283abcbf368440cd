/**
 * A consumer's program, written as a team calling Caseload would write it: types generated from
 * the served OpenAPI document with openapi-typescript (default options) into ./caseload.d.ts, and
 * openapi-fetch to call the API. No casts: every request is checked by the compiler against the
 * contract (tests/consumer/consumer.test.ts compiles this with tsc --strict, then runs it against
 * the local host).
 *
 * Environment: CASELOAD_API (e.g. http://localhost:7071/api), MANAGER_TOKEN, CASEWORKER_TOKEN,
 * CASEWORKER_ID (the caseworker's user id), CASE_ID (a case reference of its own). Prints one JSON
 * line naming the steps done; throws on anything unexpected.
 */
import { randomUUID } from 'node:crypto';
import createClient from 'openapi-fetch';
import type { components, paths } from './caseload.js';

type Task = components['schemas']['Task'];
type Problem = components['schemas']['Problem'];
type ProblemType = Problem['type'];

function setting(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const baseUrl = setting('CASELOAD_API');
const caseworkerId = setting('CASEWORKER_ID');
const caseId = setting('CASE_ID');

/** A client that sends the caller's bearer token (and an API Management subscription key, as through the gateway). */
function clientFor(token: string) {
  const client = createClient<paths>({ baseUrl });
  client.use({
    onRequest({ request }) {
      request.headers.set('Authorization', `Bearer ${token}`);
      request.headers.set('Ocp-Apim-Subscription-Key', 'local-host-ignores-it');
      return request;
    },
  });
  return client;
}

const manager = clientFor(setting('MANAGER_TOKEN'));
const caseworker = clientFor(setting('CASEWORKER_TOKEN'));

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** What a refused call must look like: the status, and the problem type the contract lists. */
function expectProblem(result: { error?: Problem | string; response: Response }, status: number, type: ProblemType): Problem {
  check(result.response.status === status, `expected ${status}, got ${result.response.status}`);
  const { error } = result;
  check(typeof error === 'object' && error.type === type, `expected a ${type} problem, got ${JSON.stringify(error)}`);
  return error;
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();
const steps: string[] = [];

// Create: description and priority are left out; the server fills them in.
const created = await manager.POST('/v1/tasks', {
  params: { header: { 'Idempotency-Key': randomUUID() } },
  body: { caseId, jurisdiction: 'IA', locationId: '765324', title: 'Review appeal bundle', dueDate: inDays(7) },
});
check(created.response.status === 201 && created.data !== undefined, `create: ${created.response.status}`);
const task: Task = created.data.data;
check(task.priority === 'medium' && task.description === '', 'create: the defaults were applied');
check(created.response.headers.get('Location') === `/api/v1/tasks/${task.id}`, 'create: Location');
steps.push('create');

// Read it, then revalidate with its ETag: 304.
const read = await manager.GET('/v1/tasks/{id}', { params: { path: { id: task.id } } });
check(read.data?.data.id === task.id, 'get');
const etag = read.response.headers.get('ETag') ?? '';
const unchanged = await manager.GET('/v1/tasks/{id}', { params: { path: { id: task.id }, header: { 'If-None-Match': etag } } });
check(unchanged.response.status === 304, `get: expected 304, got ${unchanged.response.status}`);
steps.push('get', '304');

// Batch: two more tasks on the case, and a change to the first (a union on op).
const batch = await manager.POST('/v1/tasks/batch', {
  params: { header: { 'Idempotency-Key': randomUUID() } },
  body: {
    items: [
      { op: 'create', task: { caseId, jurisdiction: 'IA', locationId: '765324', title: 'List the hearing', priority: 'high', dueDate: inDays(3) } },
      { op: 'create', task: { caseId, jurisdiction: 'IA', locationId: '765324', title: 'Send the bundle', description: 'To both parties', dueDate: inDays(5) } },
      { op: 'update', id: task.id, ifMatch: etag, patch: { title: 'Review the appeal bundle' } },
    ],
  },
});
check(batch.data !== undefined && batch.data.data.succeeded === 3, `batch: ${JSON.stringify(batch.data ?? batch.error)}`);
const [listHearing, sendBundle, renamed] = batch.data.data.results;
check(listHearing?.status === 201 && sendBundle?.status === 201 && renamed?.status === 200, 'batch: a result per item');
steps.push('batch');

// List with filters (several statuses and priorities, a boolean, a page size), following the cursor.
const seen: string[] = [];
let cursor: string | undefined;
do {
  const page = await manager.GET('/v1/tasks', {
    params: { query: { caseId, status: ['pending', 'in_progress'], priority: ['medium', 'high'], overdue: false, sort: 'dueDate', order: 'asc', limit: 2, cursor } },
  });
  check(page.data !== undefined, `list: ${page.response.status} ${JSON.stringify(page.error)}`);
  seen.push(...page.data.data.map((item) => item.id));
  cursor = page.data.pagination?.nextCursor ?? undefined;
} while (cursor);
check(seen.length === 3 && new Set(seen).size === 3, `list: every task once over the pages (${seen.length})`);
steps.push('list', 'cursor');

// Change it (JSON Merge Patch, with the ETag read): assign it to the caseworker and raise its priority.
const current = renamed.data;
check(current !== undefined, 'batch: the updated task');
const patched = await manager.PATCH('/v1/tasks/{id}', {
  params: { path: { id: task.id }, header: { 'If-Match': current.etag } },
  body: { priority: 'urgent', assignee: caseworkerId },
});
check(patched.data?.data.priority === 'urgent' && patched.data.data.assignee === caseworkerId, 'patch');
steps.push('patch');

// A stale ETag is refused with the typed problem and the current ETag.
const stale = await manager.PATCH('/v1/tasks/{id}', { params: { path: { id: task.id }, header: { 'If-Match': etag } }, body: { priority: 'low' } });
expectProblem(stale, 412, '/problems/precondition-failed');
check(stale.response.headers.get('ETag') === patched.data.data.etag, 'patch: 412 names the current ETag');
steps.push('412');

// Workflow actions: the caseworker claims the unassigned one and completes it; the manager assigns,
// cancels and reopens.
const claimed = await caseworker.POST('/v1/tasks/{id}/claim', { params: { path: { id: sendBundle.data?.id ?? '' } } });
check(claimed.data?.data.status === 'in_progress' && claimed.data.data.assignee === caseworkerId, 'claim');
const completed = await caseworker.POST('/v1/tasks/{id}/complete', { params: { path: { id: claimed.data.data.id } } });
check(completed.data?.data.status === 'completed', 'complete');
const assigned = await manager.POST('/v1/tasks/{id}/assign', { params: { path: { id: listHearing.data?.id ?? '' } }, body: { userId: caseworkerId } });
check(assigned.data?.data.assignee === caseworkerId, 'assign');
const cancelled = await manager.POST('/v1/tasks/{id}/cancel', { params: { path: { id: assigned.data.data.id } }, body: { reason: 'Listed elsewhere' } });
check(cancelled.data?.data.status === 'cancelled' && cancelled.data.data.cancellationReason === 'Listed elsewhere', 'cancel');
const reopened = await manager.POST('/v1/tasks/{id}/reopen', { params: { path: { id: cancelled.data.data.id } } });
check(reopened.data?.data.status === 'pending', 'reopen');
steps.push('claim', 'complete', 'assign', 'cancel', 'reopen');

// A completed task refuses changes: with its current ETag, the state answers (409).
const finished = completed.data.data;
const refused = await manager.PATCH('/v1/tasks/{id}', { params: { path: { id: finished.id }, header: { 'If-Match': finished.etag } }, body: { title: 'Too late' } });
expectProblem(refused, 409, '/problems/conflict');
// A task that does not exist, and a body the contract refuses at run time (a due date in the past).
expectProblem(await manager.GET('/v1/tasks/{id}', { params: { path: { id: randomUUID() } } }), 404, '/problems/not-found');
const past = await manager.POST('/v1/tasks', { body: { caseId, jurisdiction: 'IA', locationId: '765324', title: 'Too late', dueDate: inDays(-1) } });
const invalid = expectProblem(past, 400, '/problems/validation');
check(invalid.errors?.some((error) => error.field === 'dueDate' && error.in === 'body') === true, 'validation: names dueDate');
steps.push('409', '404', '400');

// Counts, and the audit trail of the first task.
const stats = await manager.GET('/v1/tasks/stats', { params: { query: { caseId, jurisdiction: ['IA'] } } });
check(stats.data !== undefined && stats.data.data.total >= 0, 'stats');
const history = await manager.GET('/v1/tasks/{id}/history', { params: { path: { id: task.id }, query: { limit: 10 } } });
check(history.data !== undefined, 'history');
const types = history.data.data.map((record) => record.type);
check(types[0] === 'task.created' && types.length >= 3, `history: ${types.join(', ')}`);
steps.push('stats', 'history');

console.log(JSON.stringify({ steps }));
