import { CosmosClient } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTAINERS } from '../../shared/config/entities.js';
import { ensureLocalDatabase } from '../../dev/local-database.js';
import { createTask, expectProblem, uniqueCaseId } from './fixtures.js';
import { freePort } from '../../dev/free-port.js';
import { startLocalHost, type LocalHost } from './local-host.js';

let host: LocalHost;
let cosmosPort: number;

beforeAll(async () => {
  cosmosPort = await freePort();
  host = await startLocalHost({ env: { CASELOAD_COSMOS_PORT: String(cosmosPort) } });
  await host.brokerIdle();
});
afterAll(async () => host?.dispose());

function database() {
  const client = new CosmosClient({
    endpoint: `http://127.0.0.1:${cosmosPort}`,
    key: 'Y2FzZWxvYWQ=',
    connectionPolicy: { enableEndpointDiscovery: false },
  });
  return client.database('caseload');
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wait) => setTimeout(wait, 100));
  }
}

describe('dead letters', () => {
  it('retries a failing audit write, dead-letters it after 10 deliveries, lists it and replays it', async () => {
    // A real failure of the audit writer: its container is gone.
    await database().container(CONTAINERS.audit.name).delete();
    const task = await createTask(host);

    const deadLetters = await waitFor('the event to be dead-lettered', async () => {
      const json = await (await host.call('/v1/admin/dead-letters/audit', { as: 'admin' })).json();
      return json.data.length > 0 ? json.data : undefined;
    });
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({ deliveryCount: 10, deadLetterReason: 'MaxDeliveryCountExceeded' });
    expect(deadLetters[0].body.taskId).toBe(task.id);
    expect(deadLetters[0].messageId).toBe(deadLetters[0].body.id);

    await expectProblem(await host.call('/v1/admin/dead-letters/audit', { as: 'manager' }), 403);
    await expectProblem(await host.call('/v1/admin/dead-letters/nowhere', { as: 'admin' }), 400, 'entity');

    await ensureLocalDatabase(database());
    const replay = await (await host.call('/v1/admin/dead-letters/audit/replay', { method: 'POST', as: 'admin' })).json();
    expect(replay.data).toMatchObject({ replayed: 1, messageIds: [deadLetters[0].messageId] });
    await host.brokerIdle();

    const history = await (await host.call(`/v1/tasks/${task.id}/history`, { as: 'admin' })).json();
    expect(history.data.map((record: { type: string }) => record.type)).toEqual(['task.created']);
    expect((await (await host.call('/v1/admin/dead-letters/audit', { as: 'admin' })).json()).data).toEqual([]);

    // Replaying again finds nothing and records nothing twice.
    const again = await (await host.call('/v1/admin/dead-letters/audit/replay', { method: 'POST', as: 'admin' })).json();
    expect(again.data.replayed).toBe(0);
    await host.brokerIdle();
    const verify = await (await host.call(`/v1/tasks/${task.id}/history/verify`, { as: 'admin' })).json();
    expect(verify.data).toMatchObject({ intact: true, upToDate: true, records: 1 });
  }, 120_000);
});

describe('overdue processing', () => {
  it('flags open past-due tasks once, leaves others alone, and clears the flag on completion', async () => {
    const caseId = uniqueCaseId();
    const soon = new Date(Date.now() + 1500).toISOString();
    const open = await createTask(host, { caseId, title: 'Open', dueDate: soon });
    const completed = await createTask(host, { caseId, title: 'Completed', dueDate: soon });
    const cancelled = await createTask(host, { caseId, title: 'Cancelled', dueDate: soon });
    await createTask(host, { caseId, title: 'Future', dueDate: new Date(Date.now() + 86_400_000).toISOString() });
    for (const [task, status] of [[completed, 'completed'], [cancelled, 'cancelled']] as const) {
      const response = await host.call(`/v1/tasks/${task.id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': task.etag }, json: { status } });
      expect(response.status).toBe(200);
    }
    await new Promise((wait) => setTimeout(wait, Math.max(0, Date.parse(soon) - Date.now() + 50)));

    await host.runFunction('overdue-scan');
    await host.brokerIdle();

    const list = async (query: string) => (await (await host.call(`/v1/tasks?caseId=${caseId}&${query}`, { as: 'manager' })).json()).data;
    const flagged = await list('overdue=true');
    expect(flagged.map((task: { title: string }) => task.title)).toEqual(['Open']);
    expect(flagged[0].overdueSince).not.toBeNull();
    expect((await list('overdue=false')).map((task: { title: string }) => task.title).sort()).toEqual(['Cancelled', 'Completed', 'Future']);
    const stats = await (await host.call(`/v1/tasks/stats?caseId=${caseId}`, { as: 'manager' })).json();
    expect(stats.data.overdue).toBe(1);

    // A second scan flags nothing twice.
    const before = await (await host.call(`/v1/tasks/${open.id}`, { as: 'manager' })).json();
    await host.runFunction('overdue-scan');
    await host.brokerIdle();
    const after = await host.call(`/v1/tasks/${open.id}`, { as: 'manager' });
    expect(after.headers.get('etag')).toBe(before.data.etag);
    const overdueEvents = async () =>
      (await (await host.call(`/v1/tasks/${open.id}/history`, { as: 'manager' })).json()).data.filter((record: { type: string }) => record.type === 'task.overdue');
    expect(await overdueEvents()).toHaveLength(1);
    expect((await overdueEvents())[0].actor.userId).toBe('system');

    // Completing clears the flag.
    const done = await host.call(`/v1/tasks/${open.id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': before.data.etag }, json: { status: 'completed' } });
    const doneJson = await done.json();
    expect(doneJson.data).toMatchObject({ status: 'completed', overdue: false, overdueSince: null });
    expect(await list('overdue=true')).toEqual([]);
    await host.brokerIdle();
    const last = (await (await host.call(`/v1/tasks/${open.id}/history`, { as: 'manager' })).json()).data.at(-1);
    expect(last).toMatchObject({ type: 'task.completed', changes: expect.arrayContaining(['status', 'overdue']) });
  }, 60_000);
});
