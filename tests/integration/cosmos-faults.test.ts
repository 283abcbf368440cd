import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { COSMOS_BUDGET } from '../../shared/store/cosmos-client.js';
import { createTask, expectProblem, taskBody, uniqueCaseId } from './fixtures.js';
import { startLocalHost, type LocalHost } from './local-host.js';

/**
 * The database misbehaving, through the fault proxy the local host puts between the app and the
 * embedded database when CASELOAD_COSMOS_FAULT_PROXY=1 (dev/cosmos/fault-proxy.ts):
 * - throttling the SDK can absorb within its budget is invisible to callers;
 * - a database that stays throttled, fails, stalls or drops connections costs a request at most
 *   its budget (COSMOS_BUDGET), and the caller gets 503 problem+json with Retry-After;
 * - after any mix of faults, including writes whose answers were lost, every task is whole:
 *   each change has exactly its one event in the verified audit chain, and nothing else.
 */

const TASKS = '/colls/tasks/';
/** Slack for a busy shared machine on top of each budget. */
const MARGIN_MS = 2_500;

let host: LocalHost;
beforeAll(async () => {
  host = await startLocalHost({ env: { CASELOAD_COSMOS_FAULT_PROXY: '1' } });
  await host.brokerIdle();
});
afterEach(async () => {
  await setFaults(null);
});
afterAll(async () => host?.dispose());

interface FaultState {
  faults: Record<string, unknown>;
  stats: { forwarded: number; injected: { status: number; drop: number; latency: number } };
}

async function setFaults(faults: Record<string, unknown> | null): Promise<FaultState> {
  const response = await fetch(`${host.baseUrl}/admin/cosmos/faults`, {
    method: faults ? 'PUT' : 'DELETE',
    ...(faults ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) } : {}),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as FaultState;
}

async function timed(work: () => Promise<Response>): Promise<{ response: Response; ms: number }> {
  const started = performance.now();
  const response = await work();
  return { response, ms: performance.now() - started };
}

async function expectUnavailable(response: Response): Promise<void> {
  await expectProblem(response, 503);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
}

describe('the fault proxy', () => {
  it('is off unless asked for, and validates what it is asked', async () => {
    expect((await setFaults(null)).faults).toEqual({});
    for (const bad of [{ status: 404 }, { rate: 2 }, { latencyMs: -1 }, { drop: 'yes' }, { colour: 'red' }, { status: 503, drop: true }, { after: true }]) {
      const response = await fetch(`${host.baseUrl}/admin/cosmos/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(bad) });
      expect(response.status, JSON.stringify(bad)).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });
});

describe('the database budget', () => {
  it('absorbs occasional throttling: the SDK retries after x-ms-retry-after-ms and callers see nothing', async () => {
    const task = await createTask(host);
    await setFaults({ status: 429, retryAfterMs: 50, rate: 0.3, match: TASKS });
    for (let i = 0; i < 15; i++) {
      expect((await host.call(`/v1/tasks/${task.id}`, { as: 'manager' })).status).toBe(200);
    }
    const { stats } = await setFaults(null);
    expect(stats.injected.status).toBeGreaterThan(0);
  });

  it('a database that stays throttled: 503 with Retry-After once the retries have waited the throttle budget', async () => {
    const task = await createTask(host);
    await setFaults({ status: 429, retryAfterMs: 500, match: TASKS });
    const { response, ms } = await timed(() => host.call(`/v1/tasks/${task.id}`, { as: 'manager' }));
    await expectUnavailable(response);
    expect(response.headers.get('retry-after')).toBe('1'); // the database's 500 ms, rounded up
    expect(ms).toBeGreaterThanOrEqual(COSMOS_BUDGET.throttleWaitSeconds * 1000 - 100);
    expect(ms).toBeLessThan(COSMOS_BUDGET.throttleWaitSeconds * 1000 + 500 + MARGIN_MS);
  });

  it('a database answering 503: 503 with Retry-After at once', async () => {
    const task = await createTask(host);
    await setFaults({ status: 503, match: TASKS });
    const { response, ms } = await timed(() => host.call(`/v1/tasks/${task.id}`, { as: 'manager' }));
    await expectUnavailable(response);
    expect(ms).toBeLessThan(MARGIN_MS);
  });

  it('a database that stalls: 503 after one attempt’s timeout, not the SDK’s 60 s', async () => {
    const task = await createTask(host);
    await setFaults({ latencyMs: 30_000, match: TASKS });
    const { response, ms } = await timed(() => host.call(`/v1/tasks/${task.id}`, { as: 'manager' }));
    await expectUnavailable(response);
    expect(ms).toBeGreaterThanOrEqual(COSMOS_BUDGET.requestTimeoutMs - 100);
    expect(ms).toBeLessThan(COSMOS_BUDGET.operationMs + MARGIN_MS);
  });

  it('a slow and throttled database: the operation deadline ends the retries', async () => {
    // Each attempt takes 2 s (under the 3 s attempt timeout) and is throttled: without the
    // deadline the SDK would make 6 attempts, over 12 s.
    const task = await createTask(host);
    await setFaults({ status: 429, retryAfterMs: 50, latencyMs: 2_000, match: TASKS });
    const { response, ms } = await timed(() => host.call(`/v1/tasks/${task.id}`, { as: 'manager' }));
    await expectUnavailable(response);
    expect(ms).toBeGreaterThanOrEqual(COSMOS_BUDGET.operationMs - 100);
    expect(ms).toBeLessThan(COSMOS_BUDGET.operationMs + MARGIN_MS);
  });

  it('dropped connections: 503 with Retry-After, within the budget', async () => {
    const task = await createTask(host);
    await setFaults({ drop: true, match: TASKS });
    const read = await timed(() => host.call(`/v1/tasks/${task.id}`, { as: 'manager' }));
    await expectUnavailable(read.response);
    expect(read.ms).toBeLessThan(COSMOS_BUDGET.operationMs + MARGIN_MS);
    // Only the write's connection dropped: the SDK does not retry a write it cannot know the fate of.
    await setFaults({ drop: true, match: TASKS, methods: ['PUT'] });
    const write = await timed(() => host.call(`/v1/tasks/${task.id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': task.etag }, json: { title: 'Dropped' } }));
    await expectUnavailable(write.response);
    expect(write.ms).toBeLessThan(MARGIN_MS);
  });
});

describe('after faults, everything reconciles', () => {
  it('no half-written task, no event without its task, no change without its event', async () => {
    const caseId = uniqueCaseId();
    const outcomes = new Map<number, number>();
    const count = (status: number) => outcomes.set(status, (outcomes.get(status) ?? 0) + 1);
    let createAttempts = 0;
    let created = 0;

    /** A request under faults: any answer but a 5xx other than 503 (which must be a proper problem). */
    const call = async (path: string, init: Parameters<LocalHost['call']>[1]) => {
      const response = await host.call(path, init);
      count(response.status);
      if (response.status >= 500) await expectUnavailable(response.clone());
      return response;
    };

    /** Creates, changes and claims under the current faults; a lost answer is found out by reading again. */
    const workload = async (round: number) => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        createAttempts += 1;
        const response = await call('/v1/tasks', { method: 'POST', as: 'manager', json: taskBody({ caseId, title: `Round ${round} task ${i}`, ...(i % 2 === 0 ? { assignee: null } : {}) }) });
        if (response.status === 201) {
          created += 1;
          ids.push((await response.json()).data.id);
        }
      }
      for (const id of ids) {
        for (let change = 0; change < 2; change++) {
          const current = await call(`/v1/tasks/${id}`, { as: 'manager' });
          if (current.status !== 200) continue;
          const etag = current.headers.get('etag')!;
          await call(`/v1/tasks/${id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': etag }, json: { title: `Round ${round} change ${change}` } });
        }
        await call(`/v1/tasks/${id}/claim`, { method: 'POST', as: 'caseworker' });
      }
    };

    // Before the database sees the request: outages.
    await setFaults({ status: 503, rate: 0.25, match: TASKS });
    await workload(1);
    // After the database did the work: writes applied, their answers lost.
    await setFaults({ drop: true, after: true, rate: 0.3, match: TASKS, methods: ['POST', 'PUT'] });
    await workload(2);
    // Heavy throttling, some of it beyond the budget.
    await setFaults({ status: 429, retryAfterMs: 100, rate: 0.5, match: TASKS });
    await workload(3);
    const { stats } = await setFaults(null);
    expect(stats.injected.status + stats.injected.drop).toBeGreaterThan(10);
    expect([...outcomes.keys()].filter((status) => status >= 500 && status !== 503)).toEqual([]);
    expect(outcomes.get(503) ?? 0).toBeGreaterThan(0);

    // The relay delivers what the faults held back; the audit writer records it.
    await host.runFunction('outbox-relay');
    await host.brokerIdle();
    await host.runFunction('outbox-relay');
    await host.brokerIdle();

    const listed = await host.call(`/v1/tasks?caseId=${caseId}&limit=100`, { as: 'admin' });
    expect(listed.status).toBe(200);
    const tasks = (await listed.json()).data as { id: string }[];
    // Every 201 is there; a create whose answer was lost may be there too; nothing else.
    expect(tasks.length).toBeGreaterThanOrEqual(created);
    expect(tasks.length).toBeLessThanOrEqual(createAttempts);
    for (const { id } of tasks) {
      const task = await host.call(`/v1/tasks/${id}`, { as: 'admin' });
      expect(task.status).toBe(200);
      const version = Number(JSON.parse(task.headers.get('etag')!));
      const history = await host.call(`/v1/tasks/${id}/history?limit=100`, { as: 'admin' });
      const records = (await history.json()).data as { taskId: string; sequence: number; type: string }[];
      // One event per change, in order, each belonging to this task; none missing, none extra.
      expect(records.map((record) => record.sequence)).toEqual(Array.from({ length: version }, (_, i) => i + 1));
      expect(records[0]!.type).toBe('task.created');
      expect(records.every((record) => record.taskId === id)).toBe(true);
      const verify = (await (await host.call(`/v1/tasks/${id}/history/verify`, { as: 'admin' })).json()).data;
      expect(verify, id).toMatchObject({ intact: true, upToDate: true, records: version, taskVersion: version, problems: [] });
    }
  }, 240_000);
});
