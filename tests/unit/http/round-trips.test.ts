import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTAINERS, TOPICS } from '../../../shared/config/entities.js';
import { COUNTER_SHARDS } from '../../../shared/domain/task-counters.js';
import { taskEventSchema, type TaskEvent } from '../../../shared/schemas/event.js';
import { countTaskEvent } from '../../../shared/use-cases/count-task-event.js';
import { flagOverdue } from '../../../shared/use-cases/flag-overdue.js';
import { reconcileCounters } from '../../../shared/use-cases/reconcile-counters.js';
import { scanOverdue } from '../../../shared/use-cases/scan-overdue.js';
import type { RequestCounts } from '../../../dev/cosmos/request-log.js';
import { DEMO_TASK_COUNT, demoTasks } from '../../../dev/demo-data.js';
import { startInProcessApp, type InProcessApp } from '../../support/in-process-app.js';

/*
 * Cosmos round trips per API call, counted by the embedded database itself: every HTTP request the
 * real @azure/cosmos client sends (query plans and metadata reads included), by container and
 * operation. Deterministic, so exact: a change that adds a round trip to a hot path fails here.
 * The calls run through the whole pipeline (token verification, directory scope, validation,
 * handler, envelope) with its caches warm, as on a busy instance.
 */

let app: InProcessApp;
/** The caches' clock, moved by the tests (the token cache and the directory cache share it). */
let now = Date.now();

beforeAll(async () => {
  app = await startInProcessApp({ caches: { clock: () => now }, attachments: true });
});
afterAll(async () => app?.close());

const { tasks, counters, caseCounters, users, notes } = {
  notes: CONTAINERS.notes.name,
  tasks: CONTAINERS.tasks.name,
  counters: CONTAINERS.counters.name,
  caseCounters: CONTAINERS.caseCounters.name,
  users: CONTAINERS.users.name,
};

/** The counts without the documents: what a test compares exactly. */
const requestsOf = (counts: RequestCounts) => ({ requests: counts.requests, byContainer: counts.byContainer });

async function aTask(): Promise<{ id: string; etag: string; caseId: string }> {
  const listed = await app.call('tasks-list', { url: '/v1/tasks?limit=1&status=pending' }, 'manager');
  const [task] = JSON.parse(String(listed.body)).data as { id: string; etag: string; caseId: string }[];
  return task!;
}

const get = (id: string) => app.call('tasks-get', { url: `/v1/tasks/${id}`, params: { id } }, 'manager');
const listPage = () => app.call('tasks-list', { url: '/v1/tasks?limit=20' }, 'manager');
const stats = (query = '', as: 'manager' | 'admin' = 'manager') => app.call('tasks-stats', { url: `/v1/tasks/stats${query}` }, as);
const patch = (id: string, etag: string, body: object) =>
  app.call('tasks-patch', { method: 'PATCH', url: `/v1/tasks/${id}`, params: { id }, headers: { 'if-match': etag, 'content-type': 'application/merge-patch+json' }, body }, 'manager');

/** Every measured call, once, so tokens, the key set, directory entries and the client's metadata are cached. */
async function warmUp(): Promise<void> {
  const task = await aTask();
  for (const role of ['manager', 'admin'] as const) await stats('', role);
  await get(task.id);
  await listPage();
}

describe('Cosmos round trips per call (warm caches)', () => {
  beforeAll(warmUp);

  it('GET /tasks/{id}: one point read, nothing else (no directory read)', async () => {
    const { id } = await aTask();
    const counts = await app.count(async () => expect((await get(id)).status).toBe(200));
    expect(requestsOf(counts)).toEqual({ requests: 1, byContainer: { [tasks]: { read: 1 } } });
  });

  it('GET /tasks (a page): one query, plus the query plan @azure/cosmos 4.9 always fetches beside it', async () => {
    const counts = await app.count(async () => expect((await listPage()).status).toBe(200));
    expect(requestsOf(counts)).toEqual({ requests: 2, byContainer: { [tasks]: { query: 1, queryPlan: 1 } } });
    expect(counts.documents).toBe(20);
  });

  it('PATCH /tasks/{id}: one read, one conditioned replace, one outbox patch (no second read, no second replace)', async () => {
    app.messaging.countEvents = undefined;
    try {
      const task = await aTask();
      const counts = await app.count(async () => expect((await patch(task.id, task.etag, { title: 'Round trips' })).status).toBe(200));
      expect(requestsOf(counts)).toEqual({ requests: 3, byContainer: { [tasks]: { read: 1, replace: 1, patch: 1 } } });
      const stored = (await app.services.tasks.get(task.id))!.document;
      expect(stored).toMatchObject({ title: 'Round trips', pendingEvents: [], outboxSince: null });
    } finally {
      app.messaging.countEvents = (event) => countTaskEvent(app.services, event);
    }
  });

  it('counting an event, off the request path: 2 requests when nothing counted changes, 6 when the task moves', async () => {
    app.messaging.countEvents = undefined;
    try {
      const task = await aTask();
      const sent = app.messaging.sent.length;
      const titled = await patch(task.id, task.etag, { title: 'Only the title' });
      const moved = await patch(task.id, (titled.headers as Record<string, string>).ETag!, { priority: 'urgent' });
      expect(moved.status).toBe(200);
      const [edit, move] = app.messaging.sent.slice(sent).filter((record) => record.entity === TOPICS.taskEvents.name).map((record) => taskEventSchema.parse(record.message.body) as TaskEvent);
      const recorded = await app.count(async () => expect(await countTaskEvent(app.services, edit!)).toBe('recorded'));
      expect(requestsOf(recorded)).toEqual({ requests: 2, byContainer: { [caseCounters]: { read: 1, replace: 1 } } });
      const counted = await app.count(async () => expect(await countTaskEvent(app.services, move!)).toBe('counted'));
      expect(requestsOf(counted)).toEqual({ requests: 6, byContainer: { [caseCounters]: { read: 1, replace: 2 }, [counters]: { read: 1, replace: 2 } } });
      const again = await app.count(async () => expect(await countTaskEvent(app.services, move!)).toBe('duplicate'));
      expect(requestsOf(again)).toEqual({ requests: 1, byContainer: { [caseCounters]: { read: 1 } } });
    } finally {
      app.messaging.countEvents = (event) => countTaskEvent(app.services, event);
    }
  });

  it('GET /tasks/stats: one totals query (and its plan), at most 7 × shards documents; by case, one ledger read', async () => {
    const manager = await app.count(async () => expect((await stats()).status).toBe(200));
    expect(requestsOf(manager)).toEqual({ requests: 2, byContainer: { [counters]: { query: 1, queryPlan: 1 } } });
    expect(manager.documents).toBeLessThanOrEqual(3 * COUNTER_SHARDS);
    const admin = await app.count(async () => expect((await stats('', 'admin')).status).toBe(200));
    expect(requestsOf(admin)).toEqual({ requests: 2, byContainer: { [counters]: { query: 1, queryPlan: 1 } } });
    expect(admin.documents).toBeLessThanOrEqual(7 * COUNTER_SHARDS);
    const { caseId } = await aTask();
    const byCase = await app.count(async () => expect((await stats(`?caseId=${caseId}`)).status).toBe(200));
    expect(requestsOf(byCase)).toEqual({ requests: 1, byContainer: { [caseCounters]: { read: 1 } } });
    // Outside the caller's scope altogether: nothing to read.
    const outside = await app.count(async () => expect((await stats('?jurisdiction=CIVIL')).status).toBe(200));
    expect(outside.requests).toBe(0);
  });

  it('overdue scan: the candidates query (and plan) and one backlog query (and plan); 3 requests per task it flags', async () => {
    const scan = await app.count(() => scanOverdue(app.services, 'round-trips'));
    expect(requestsOf(scan)).toEqual({ requests: 4, byContainer: { [tasks]: { query: 1, queryPlan: 1 }, [counters]: { query: 1, queryPlan: 1 } } });
    const candidate = app.messaging.sent.filter((record) => record.entity === 'overdue-tasks').at(-1)!.message.body as { taskId: string };
    app.messaging.countEvents = undefined;
    try {
      const flagged = await app.count(async () => expect(await flagOverdue(app.services, candidate.taskId, 'round-trips')).toBe('flagged'));
      expect(requestsOf(flagged)).toEqual({ requests: 3, byContainer: { [tasks]: { read: 1, replace: 1, patch: 1 } } });
    } finally {
      app.messaging.countEvents = (event) => countTaskEvent(app.services, event);
    }
  });

  it('the directory is read again once its entry is older than the cache lifetime (30 s), and only then', async () => {
    const { id } = await aTask();
    now += 29_000;
    expect(requestsOf(await app.count(() => get(id))).byContainer[users]).toBeUndefined();
    now += 1_000;
    expect(requestsOf(await app.count(() => get(id)))).toEqual({ requests: 2, byContainer: { [users]: { read: 1 }, [tasks]: { read: 1 } } });
    expect(requestsOf(await app.count(() => get(id)))).toEqual({ requests: 1, byContainer: { [tasks]: { read: 1 } } });
  });
});

describe('Cosmos round trips of notes and attachments (warm caches; storage requests are not Cosmos requests)', () => {
  const on = (task: { id: string }, extra: Record<string, string> = {}) => ({ id: task.id, ...extra });
  const PDF = Buffer.from('%PDF-1.7\n%%EOF\n', 'latin1');
  const bodyOf = (response: { body?: unknown }) => JSON.parse(String(response.body)).data;

  beforeAll(async () => {
    // Counting the events is the counters consumer's work, off the request path (measured above).
    app.messaging.countEvents = undefined;
    // The client's metadata for the notes container and the admin's directory entry, off the count.
    const task = await aTask();
    for (const role of ['manager', 'admin'] as const) await app.call('tasks-notes-list', { url: `/v1/tasks/${task.id}/notes`, params: on(task) }, role);
  });
  afterAll(() => {
    app.messaging.countEvents = (event) => countTaskEvent(app.services, event);
  });

  it('POST /tasks/{id}/notes: the task read, its replace, the note create, the note-write patch and the outbox patch', async () => {
    const task = await aTask();
    const counts = await app.count(async () =>
      expect((await app.call('tasks-notes-create', { method: 'POST', url: `/v1/tasks/${task.id}/notes`, params: on(task), body: { text: 'Counted' } }, 'manager')).status).toBe(201),
    );
    expect(requestsOf(counts)).toEqual({ requests: 5, byContainer: { [tasks]: { read: 1, replace: 1, patch: 2 }, [notes]: { create: 1 } } });
  });

  it('GET /tasks/{id}/notes: the task read, then one single-partition query (and its plan)', async () => {
    const task = await aTask();
    const counts = await app.count(async () => expect((await app.call('tasks-notes-list', { url: `/v1/tasks/${task.id}/notes?limit=5`, params: on(task) }, 'manager')).status).toBe(200));
    expect(requestsOf(counts)).toEqual({ requests: 3, byContainer: { [tasks]: { read: 1 }, [notes]: { query: 1, queryPlan: 1 } } });
  });

  it('POST …/notes/{noteId}/redact: the task and note reads, the task replace, the note write and the two patches', async () => {
    const task = await aTask();
    const note = bodyOf(await app.call('tasks-notes-create', { method: 'POST', url: `/v1/tasks/${task.id}/notes`, params: on(task), body: { text: 'To redact' } }, 'manager'));
    const counts = await app.count(async () =>
      expect(
        (await app.call('tasks-notes-redact', { method: 'POST', url: `/v1/tasks/${task.id}/notes/${note.id}/redact`, params: on(task, { noteId: note.id }), body: { reason: 'Counted' } }, 'admin')).status,
      ).toBe(200),
    );
    expect(requestsOf(counts)).toEqual({ requests: 6, byContainer: { [tasks]: { read: 1, replace: 1, patch: 2 }, [notes]: { read: 1, upsert: 1 } } });
  });

  it('attachments: open 2 (read, replace); complete 3 (read, replace, outbox patch); list and get 1 read each; delete 3', async () => {
    const task = await aTask();
    let attachment: { id: string; uploadUrl: string } | undefined;
    const opened = await app.count(async () => {
      const response = await app.call('tasks-attachments-create', { method: 'POST', url: `/v1/tasks/${task.id}/attachments`, params: on(task), body: { fileName: 'a.pdf', contentType: 'application/pdf', sizeBytes: PDF.length } }, 'manager');
      expect(response.status).toBe(201);
      attachment = bodyOf(response);
    });
    expect(requestsOf(opened)).toEqual({ requests: 2, byContainer: { [tasks]: { read: 1, replace: 1 } } });
    expect((await fetch(attachment!.uploadUrl, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob' }, body: PDF })).status).toBe(201);
    const params = on(task, { attachmentId: attachment!.id });
    const path = `/v1/tasks/${task.id}/attachments/${attachment!.id}`;
    const completed = await app.count(async () => expect((await app.call('tasks-attachments-complete', { method: 'POST', url: `${path}/complete`, params }, 'manager')).status).toBe(200));
    expect(requestsOf(completed)).toEqual({ requests: 3, byContainer: { [tasks]: { read: 1, replace: 1, patch: 1 } } });
    const listed = await app.count(async () => expect((await app.call('tasks-attachments-list', { url: `/v1/tasks/${task.id}/attachments`, params: on(task) }, 'manager')).status).toBe(200));
    expect(requestsOf(listed)).toEqual({ requests: 1, byContainer: { [tasks]: { read: 1 } } });
    const got = await app.count(async () => expect((await app.call('tasks-attachments-get', { url: path, params }, 'manager')).status).toBe(200));
    expect(requestsOf(got)).toEqual({ requests: 1, byContainer: { [tasks]: { read: 1 } } });
    const deleted = await app.count(async () => expect((await app.call('tasks-attachments-delete', { method: 'DELETE', url: path, params }, 'manager')).status).toBe(204));
    expect(requestsOf(deleted)).toEqual({ requests: 3, byContainer: { [tasks]: { read: 1, replace: 1, patch: 1 } } });
  });
});

describe('Cosmos round trips at ten times the tasks', () => {
  let before: Record<string, RequestCounts>;
  const measure = async () => {
    const { id } = await aTask();
    return {
      get: await app.count(() => get(id)),
      list: await app.count(() => listPage()),
      stats: await app.count(() => stats('', 'admin')),
      backlog: await app.count(() => scanOverdue(app.services, 'ten-times').then(() => undefined)),
    };
  };

  beforeAll(async () => {
    now = Date.now();
    await warmUp();
    before = await measure();
    const count = async () => (await app.services.database.container(tasks).items.query<number>('SELECT VALUE COUNT(1) FROM c').fetchAll()).resources[0]!;
    const present = await count();
    // Straight into the database (as the benchmark's large point), then counted by a reconciliation.
    const extra = demoTasks(DEMO_TASK_COUNT + present * 9, new Date()).slice(DEMO_TASK_COUNT).map((task) => ({ ...task, pendingEvents: [], outboxSince: null }));
    const container = app.services.database.container(tasks);
    for (let i = 0; i < extra.length; i += 50) await Promise.all(extra.slice(i, i + 50).map((task) => container.items.upsert(task)));
    await reconcileCounters(app.services);
    expect(await count()).toBeGreaterThanOrEqual(present * 10);
  }, 120_000);

  it('costs the same requests and reads the same number of documents for a point read, a page, stats and the backlog', async () => {
    const after = await measure();
    for (const op of ['get', 'list', 'stats'] as const) {
      expect(requestsOf(after[op]), op).toEqual(requestsOf(before[op]));
      expect(after[op].documents, `${op}: documents read`).toBe(before[op].documents);
    }
    // The scan's own query returns the newly overdue tasks (data-dependent); the backlog query does not grow.
    expect(after.backlog.byContainer[counters]).toEqual(before.backlog.byContainer[counters]);
    expect(after.backlog.documentsByContainer[counters]).toBe(before.backlog.documentsByContainer[counters]);
  });
});
