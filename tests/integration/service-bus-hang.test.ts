import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLISH_BUDGET_MS } from '../../shared/events/publish-budget.js';
import { DISPATCH_GRACE_MS } from '../../shared/use-cases/dispatch-stalled-operations.js';
import { createTask, taskBody, uniqueCaseId } from './fixtures.js';
import { CSV_HEADER, startOperation, waitForOperation } from './operations-fixtures.js';
import { startLocalHost, type LocalHost } from './local-host.js';

/**
 * A Service Bus namespace that accepts connections and never answers (the local broker's `hang`
 * fault) must not hold requests: the publish after a write has PUBLISH_BUDGET_MS, then the
 * request answers and the outbox relay delivers the events once the namespace is back.
 *
 * The local adapter's own timeout is 5 s, so answering within the budget plus a margin below that
 * shows the budget, not the adapter, ended the wait.
 */
const MARGIN_MS = 2_000;
const LOCAL_ADAPTER_TIMEOUT_MS = 5_000;

let host: LocalHost;
beforeAll(async () => {
  host = await startLocalHost();
  await host.brokerIdle();
});
afterAll(async () => {
  await host?.broker('/faults', { method: 'PUT', json: { hang: false } }).catch(() => undefined);
  await host?.dispose();
});

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await work();
  return { result, ms: performance.now() - started };
}

async function historyOf(id: string): Promise<{ id: string; sequence: number; type: string }[]> {
  const response = await host.call(`/v1/tasks/${id}/history?limit=100`, { as: 'admin' });
  expect(response.status).toBe(200);
  return (await response.json()).data;
}

describe('a hanging Service Bus', () => {
  it('holds no write beyond the publish budget, and the relay delivers every event once after it recovers', async () => {
    expect(PUBLISH_BUDGET_MS + MARGIN_MS).toBeLessThan(LOCAL_ADAPTER_TIMEOUT_MS);
    expect((await host.broker('/faults', { method: 'PUT', json: { hang: true } })).status).toBe(200);

    const tasks: { id: string; etag: string }[] = [];
    let importId: string;
    let importStarted: number;
    try {
      // Starting a bulk operation queues its chunks on the request path: bounded the same way.
      importStarted = Date.now();
      const started = await timed(() => startOperation(host, '/v1/cases/import', 'manager', { csv: `${CSV_HEADER}\n${uniqueCaseId()},IA,765324,Hang v SSHD,Asylum\n` }));
      expect(started.ms).toBeLessThan(PUBLISH_BUDGET_MS + MARGIN_MS);
      importId = started.result.id;

      // A create, then a change to it: each answers after about one budget.
      const created = await timed(() => createTask(host, { title: 'Hang 1' }));
      expect(created.ms).toBeGreaterThanOrEqual(PUBLISH_BUDGET_MS - 100);
      expect(created.ms).toBeLessThan(PUBLISH_BUDGET_MS + MARGIN_MS);
      const patched = await timed(() =>
        host.call(`/v1/tasks/${created.result.id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': created.result.etag }, json: { title: 'Hang 1, renamed' } }),
      );
      expect(patched.result.status).toBe(200);
      expect(patched.ms).toBeLessThan(PUBLISH_BUDGET_MS + MARGIN_MS);
      tasks.push({ id: created.result.id, etag: patched.result.headers.get('etag')! });

      // Ten creates in one batch cost one budget, not ten.
      const caseId = uniqueCaseId();
      const batch = await timed(() =>
        host.call('/v1/tasks/batch', {
          method: 'POST',
          as: 'manager',
          json: { items: Array.from({ length: 10 }, (_, i) => ({ op: 'create', task: taskBody({ caseId, title: `Hang batch ${i}` }) })) },
        }),
      );
      const batchBody = await batch.result.json();
      expect(batch.result.status, JSON.stringify(batchBody)).toBe(200);
      expect(batchBody.data.succeeded).toBe(10);
      expect(batch.ms).toBeLessThan(PUBLISH_BUDGET_MS + MARGIN_MS);
      for (const result of batchBody.data.results) tasks.push({ id: result.data.id, etag: `"${result.data.version}"` });

      // Nothing reached the audit trail meanwhile.
      expect(await historyOf(tasks[0]!.id)).toEqual([]);
    } finally {
      expect((await host.broker('/faults', { method: 'PUT', json: { hang: false } })).status).toBe(200);
    }

    await host.runFunction('outbox-relay');
    await host.brokerIdle();
    const expected = new Map(tasks.map((task, i) => [task.id, i === 0 ? ['task.created', 'task.updated'] : ['task.created']]));
    for (const [id, types] of expected) {
      const records = await historyOf(id);
      expect(records.map((record) => record.type)).toEqual(types);
      expect(records.map((record) => record.sequence)).toEqual(types.map((_, i) => i + 1));
      const verify = await (await host.call(`/v1/tasks/${id}/history/verify`, { as: 'admin' })).json();
      expect(verify.data).toMatchObject({ intact: true, upToDate: true, records: types.length });
    }

    // Relaying again delivers nothing twice.
    await host.runFunction('outbox-relay');
    await host.brokerIdle();
    for (const [id, types] of expected) expect(await historyOf(id)).toHaveLength(types.length);

    // The operation's chunks were never queued; the dispatch relay does it once the operation is
    // past the grace it leaves a request that may still be queueing.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, importStarted! + DISPATCH_GRACE_MS + 500 - Date.now())));
    await host.runFunction('operations-dispatch');
    const operation = await waitForOperation(host, importId!);
    expect(operation).toMatchObject({ status: 'succeeded', progress: { totalItems: 1, succeeded: 1 } });
  }, 120_000);
});
