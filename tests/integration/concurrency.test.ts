import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask, expectProblem } from './fixtures.js';
import { startLocalHost, type LocalHost } from './local-host.js';

/**
 * Races through the real HTTP path: many requests on one task at the same moment. The guarantees
 * come from one ETag-conditioned document write per change (Cosmos If-Match), re-decided on fresh
 * state after a 412 from the database, so the outcome does not depend on timing.
 */

let host: LocalHost;
beforeAll(async () => {
  host = await startLocalHost();
  await host.brokerIdle();
});
afterAll(async () => host?.dispose());

async function historyTypes(id: string): Promise<{ type: string; after: Record<string, unknown> | null; actor: { userId: string } }[]> {
  const response = await host.call(`/v1/tasks/${id}/history?limit=100`, { as: 'admin' });
  expect(response.status).toBe(200);
  return (await response.json()).data;
}

async function settleEvents(): Promise<void> {
  await host.runFunction('outbox-relay');
  await host.brokerIdle();
}

describe('concurrent writes to one task', () => {
  it('50 PATCHes with the same ETag: exactly one 200, 49 × 412, and the stored task is the winner’s write', async () => {
    const CONTENDERS = 50;
    const task = await createTask(host, { title: 'Race for the title' });
    const responses = await Promise.all(
      Array.from({ length: CONTENDERS }, (_, i) =>
        host.call(`/v1/tasks/${task.id}`, {
          method: 'PATCH',
          as: 'manager',
          headers: { 'if-match': task.etag, 'content-type': 'application/merge-patch+json' },
          json: { title: `Contender ${i}`, priority: i % 2 === 0 ? 'low' : 'urgent' },
        }),
      ),
    );

    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 412)).toHaveLength(CONTENDERS - 1);
    const winnerIndex = statuses.indexOf(200);
    const winner = (await responses[winnerIndex]!.json()).data;
    expect(winner.title).toBe(`Contender ${winnerIndex}`);
    for (const [i, response] of responses.entries()) {
      if (i === winnerIndex) continue;
      await expectProblem(response, 412);
      // Each loser is told the version that beat it.
      expect(response.headers.get('etag')).toBe(responses[winnerIndex]!.headers.get('etag'));
    }

    const stored = await host.call(`/v1/tasks/${task.id}`, { as: 'manager' });
    const storedTask = (await stored.json()).data;
    expect(stored.headers.get('etag')).toBe(responses[winnerIndex]!.headers.get('etag'));
    expect(stored.headers.get('etag')).toBe('"2"'); // one change after the creation
    expect(storedTask).toMatchObject({ title: `Contender ${winnerIndex}`, priority: winnerIndex % 2 === 0 ? 'low' : 'urgent' });
    expect(storedTask).toEqual({ ...winner, allowedActions: storedTask.allowedActions });

    // One change, one event: the 49 refused writes left nothing behind.
    await settleEvents();
    const records = await historyTypes(task.id);
    expect(records.map((record) => record.type)).toEqual(['task.created', 'task.updated']);
    expect(records[1]!.after).toMatchObject({ title: `Contender ${winnerIndex}` });
    const verify = await (await host.call(`/v1/tasks/${task.id}/history/verify`, { as: 'admin' })).json();
    expect(verify.data).toMatchObject({ intact: true, upToDate: true, records: 2, taskVersion: 2 });
  }, 90_000);

  it('concurrent claims of one task: exactly one winner, every other claimant gets 409 naming the holder', async () => {
    const CLAIMANTS = 20;
    const ids = Array.from({ length: CLAIMANTS }, () => randomUUID());
    for (const [i, id] of ids.entries()) {
      const response = await host.call('/v1/users', {
        method: 'POST',
        as: 'admin',
        json: { id, name: `Claimant ${i}`, email: `claimant-${i}@example.gov.uk`, roles: ['caseworker'], jurisdictions: ['IA'] },
      });
      expect(response.status, await response.clone().text()).toBe(201);
    }
    const task = await createTask(host, { assignee: null, title: 'Race for the claim' });
    expect(task.body.assignee).toBeNull();

    const responses = await Promise.all(
      ids.map((userId) => host.call(`/v1/tasks/${task.id}/claim`, { method: 'POST', as: { role: 'caseworker', userId } })),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(CLAIMANTS - 1);
    const winnerIndex = statuses.indexOf(200);
    const holder = ids[winnerIndex]!;
    expect((await responses[winnerIndex]!.json()).data).toMatchObject({ assignee: holder, status: 'in_progress' });
    for (const [i, response] of responses.entries()) {
      if (i === winnerIndex) continue;
      const problem = await expectProblem(response, 409);
      expect(problem.detail).toContain(holder);
    }

    const storedResponse = await host.call(`/v1/tasks/${task.id}`, { as: 'manager' });
    expect(storedResponse.headers.get('etag')).toBe('"2"');
    expect((await storedResponse.json()).data).toMatchObject({ assignee: holder, status: 'in_progress' });
    await settleEvents();
    const records = await historyTypes(task.id);
    expect(records.map((record) => record.type)).toEqual(['task.created', 'task.claimed']);
    expect(records[1]!.actor.userId).toBe(holder);
  }, 90_000);
});
