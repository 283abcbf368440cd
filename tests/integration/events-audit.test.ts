import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask, inDays } from './fixtures.js';
import { startLocalHost, type LocalHost } from './local-host.js';

let host: LocalHost;
beforeAll(async () => {
  host = await startLocalHost();
  await host.brokerIdle();
});
afterAll(async () => host?.dispose());

async function history(id: string, as: Parameters<LocalHost['call']>[1]['as'] = 'admin'): Promise<Record<string, any>[]> {
  const records: Record<string, any>[] = [];
  let cursor: string | null = null;
  do {
    const response = await host.call(`/v1/tasks/${id}/history?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { as });
    const json = await response.json();
    expect(response.status, JSON.stringify(json)).toBe(200);
    records.push(...json.data);
    cursor = json.pagination.nextCursor;
  } while (cursor);
  return records;
}

async function patch(id: string, etag: string, body: unknown, as: Parameters<LocalHost['call']>[1]['as'] = 'manager'): Promise<string> {
  const response = await host.call(`/v1/tasks/${id}`, { method: 'PATCH', as, headers: { 'if-match': etag }, json: body });
  expect(response.status, await response.clone().text()).toBe(200);
  return response.headers.get('etag')!;
}

describe('audit trail', () => {
  it('records every write exactly once, in order, chained and verifiable', async () => {
    const task = await createTask(host);
    let etag = await patch(task.id, task.etag, { title: 'Renamed' });
    etag = await patch(task.id, etag, { assignee: 'c0000000-0000-4000-8000-000000000001' });
    etag = await patch(task.id, etag, { status: 'in_progress' }, 'caseworker');
    const put = await host.call(`/v1/tasks/${task.id}`, {
      method: 'PUT',
      as: 'manager',
      headers: { 'if-match': etag },
      json: { locationId: '231596', title: 'Replaced', description: 'd', status: 'in_progress', priority: 'urgent', dueDate: inDays(5), assignee: 'c0000000-0000-4000-8000-000000000001' },
    });
    etag = put.headers.get('etag')!;
    etag = await patch(task.id, etag, { status: 'completed' }, 'caseworker');
    const deleted = await host.call(`/v1/tasks/${task.id}`, { method: 'DELETE', as: 'admin', headers: { 'if-match': etag } });
    expect(deleted.status).toBe(204);
    await host.brokerIdle();

    const records = await history(task.id);
    expect(records.map((record) => [record.sequence, record.type])).toEqual([
      [1, 'task.created'],
      [2, 'task.updated'],
      [3, 'task.assigned'],
      [4, 'task.status_changed'],
      [5, 'task.updated'],
      [6, 'task.completed'],
      [7, 'task.deleted'],
    ]);
    expect(new Set(records.map((record) => record.id)).size).toBe(7);
    expect(records[1]).toMatchObject({ changes: ['title'], before: { title: 'Review appeal bundle' }, after: { title: 'Renamed' } });
    expect(records[3]!.actor.userId).toBe('c0000000-0000-4000-8000-000000000001');
    expect(records[4]!.changes.sort()).toEqual(['description', 'dueDate', 'locationId', 'priority', 'title']);
    for (const [index, record] of records.entries()) {
      expect(record.previousHash).toBe(index === 0 ? null : records[index - 1]!.hash);
      expect(Date.parse(record.recordedAt)).toBeGreaterThanOrEqual(Date.parse(record.occurredAt));
      expect(record.correlationId).toEqual(expect.any(String));
    }

    const verify = await (await host.call(`/v1/tasks/${task.id}/history/verify`, { as: 'admin' })).json();
    expect(verify.data).toMatchObject({ intact: true, upToDate: true, records: 7, taskVersion: 7, problems: [] });
    // The task is deleted: only admins still see its history.
    expect((await host.call(`/v1/tasks/${task.id}/history`, { as: 'manager' })).status).toBe(404);
  });

  it('shows history to whoever may see the task and hides it from others', async () => {
    const task = await createTask(host, { assignee: 'c0000000-0000-4000-8000-000000000002' });
    await host.brokerIdle();
    expect((await host.call(`/v1/tasks/${task.id}/history`, { as: 'viewer' })).status).toBe(200);
    expect((await host.call(`/v1/tasks/${task.id}/history`, { as: 'caseworker' })).status).toBe(404);
    expect((await host.call(`/v1/tasks/${task.id}/history`, { as: { role: 'caseworker', userId: 'c0000000-0000-4000-8000-000000000002' } })).status).toBe(200);
  });

  it('demo tasks have their creation event in the trail once the relay ran at start', async () => {
    const verify = await (await host.call('/v1/tasks/00000000-0000-4000-8000-000000000001/history/verify', { as: 'admin' })).json();
    expect(verify.data).toMatchObject({ intact: true, upToDate: true, records: 1 });
  });
});

describe('no event lost or duplicated when publishing fails', () => {
  it('keeps writes working during a broker outage and the relay delivers every event exactly once', async () => {
    const faults = await host.broker('/faults', { method: 'PUT', json: { failSends: true } });
    expect(faults.ok).toBe(true);

    const TASKS = 100;
    const CHANGES_PER_TASK = 4;
    const tasks: { id: string; etag: string }[] = [];
    for (let i = 0; i < TASKS; i++) {
      const created = await createTask(host, { title: `Outage ${i}` });
      tasks.push({ id: created.id, etag: created.etag });
    }
    for (let round = 0; round < CHANGES_PER_TASK; round++) {
      await Promise.all(
        tasks.map(async (task, i) => {
          task.etag = await patch(task.id, task.etag, { title: `Outage ${i} change ${round}` });
        }),
      );
    }
    const writes = TASKS * (1 + CHANGES_PER_TASK);
    expect(writes).toBeGreaterThanOrEqual(500);

    // Nothing reached the audit trail: every event is waiting in its task's outbox.
    expect(await history(tasks[0]!.id)).toEqual([]);

    // The relay during the outage fails and loses nothing.
    await host.runFunction('outbox-relay');
    await host.broker('/faults', { method: 'PUT', json: { failSends: false } });
    await host.runFunction('outbox-relay');
    await host.runFunction('outbox-relay');
    await host.brokerIdle();

    let recorded = 0;
    for (const task of tasks) {
      const records = await history(task.id);
      expect(records.map((record) => record.sequence)).toEqual([1, 2, 3, 4, 5]);
      expect(new Set(records.map((record) => record.id)).size).toBe(records.length);
      recorded += records.length;
      const verify = await (await host.call(`/v1/tasks/${task.id}/history/verify`, { as: 'admin' })).json();
      expect(verify.data).toMatchObject({ intact: true, upToDate: true });
    }
    expect(recorded).toBe(writes);

    // Relaying again (e.g. after a crash before outboxes were cleared) changes nothing.
    await host.runFunction('outbox-relay');
    await host.brokerIdle();
    expect((await history(tasks[0]!.id)).length).toBe(5);
  }, 240_000);
});
