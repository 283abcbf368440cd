import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask, uniqueCaseId } from './fixtures.js';
import { startLocalHost, type LocalHost } from './local-host.js';

let host: LocalHost;
beforeAll(async () => {
  host = await startLocalHost();
});
afterAll(async () => host?.dispose());

describe('local data survives restarts', () => {
  it('keeps every acknowledged write across a crash (SIGKILL), with the same ETags', async () => {
    const caseId = uniqueCaseId();
    const created = [];
    for (let i = 0; i < 15; i++) created.push(await createTask(host, { caseId, title: `Crash ${i}` }));
    // Change some, delete one: the last states must survive too.
    const patched = await host.call(`/v1/tasks/${created[0]!.id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': created[0]!.etag }, json: { title: 'Patched before crash' } });
    expect(patched.status).toBe(200);
    const patchedEtag = patched.headers.get('etag')!;
    const deleted = await host.call(`/v1/tasks/${created[1]!.id}`, { method: 'DELETE', as: 'admin', headers: { 'if-match': created[1]!.etag } });
    expect(deleted.status).toBe(204);

    await host.stop('SIGKILL');
    await host.restart();

    const list = await (await host.call(`/v1/tasks?caseId=${caseId}&limit=100`, { as: 'manager' })).json();
    expect(list.data).toHaveLength(14);
    const byId = new Map(list.data.map((task: { id: string }) => [task.id, task]));
    expect(byId.has(created[1]!.id)).toBe(false);
    expect((byId.get(created[0]!.id) as { title: string; etag: string }).title).toBe('Patched before crash');
    expect((byId.get(created[0]!.id) as { etag: string }).etag).toBe(patchedEtag);
    for (const task of created.slice(2)) expect((byId.get(task.id) as { etag: string }).etag).toBe(task.etag);

    // A client holding a pre-crash ETag can still write with it: no needless 412.
    const after = await host.call(`/v1/tasks/${created[2]!.id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': created[2]!.etag }, json: { priority: 'urgent' } });
    expect(after.status).toBe(200);
  });

  it('keeps data and does not re-seed after a clean restart', async () => {
    // Stats come from counters kept from the task events: compare them once nothing is in flight.
    await host.brokerIdle();
    const before = await (await host.call('/v1/tasks/stats', { as: 'admin' })).json();
    await host.restart();
    await host.brokerIdle();
    const after = await (await host.call('/v1/tasks/stats', { as: 'admin' })).json();
    expect(after.data).toEqual(before.data);
    expect(after.data.total).toBeGreaterThanOrEqual(300);
  });

  it('tokens issued before a restart stay valid (the dev issuer key is persisted)', async () => {
    const token = await host.token('manager');
    await host.restart();
    const response = await host.call('/v1/tasks?limit=1', { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
  });
});
