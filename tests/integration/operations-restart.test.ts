import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask } from './fixtures.js';
import { startLocalHost, type LocalHost } from './local-host.js';
import { caseIds, createCaseworker, CSV_HEADER, inBatches, startOperation, waitForOperation } from './operations-fixtures.js';

let host: LocalHost;
beforeAll(async () => {
  host = await startLocalHost();
});
afterAll(async () => host?.dispose());

const isRunning = (operation: Record<string, any>) => operation.status === 'running';

/** Kills the host and starts it again; returns a check that chunks of the operation were processed after the restart. */
async function crashAndRestart(operationId: string): Promise<() => void> {
  const logAtCrash = host.output().length;
  await host.stop('SIGKILL');
  await host.restart();
  return () => expect(host.output().slice(logAtCrash)).toContain(`of operation ${operationId}: processed`);
}

/**
 * A crash (SIGKILL) while chunks are being processed: after the restart the locked messages are
 * delivered again, the chunks that were done are recognised, the half-done ones are processed
 * again, and every item is counted exactly once.
 */
describe('operations survive a crash mid-way', () => {
  it('an import of 3,000 rows in 30 chunks finishes after SIGKILL and restart, each row counted once', async () => {
    const ids = caseIds(3000, '83');
    const csv = [CSV_HEADER, ...ids.map((caseId, i) => `${caseId},IA,765324,"Crash, test ${i}",Asylum`)].join('\n');
    const operation = await startOperation(host, '/v1/cases/import', 'manager', { csv });
    expect(operation.progress).toMatchObject({ totalItems: 3000, totalChunks: 30 });

    const midway = await waitForOperation(host, operation.id, (current) => isRunning(current) && current.progress.completedChunks >= 1);
    expect(midway.progress.completedChunks).toBeLessThan(30);
    const resumedAfterRestart = await crashAndRestart(operation.id);

    const done = await waitForOperation(host, operation.id, undefined, 120_000);
    expect(done).toMatchObject({
      status: 'succeeded',
      progress: { totalItems: 3000, processedItems: 3000, succeeded: 3000, failed: 0, skipped: 0, totalChunks: 30, completedChunks: 30 },
      errors: [],
    });
    resumedAfterRestart();
    for (const caseId of [ids[0], ids[1499], ids[2999]]) {
      expect((await (await host.call(`/v1/cases/${caseId}`, { as: 'manager' })).json()).data).toMatchObject({ caseId, jurisdiction: 'IA' });
    }
  }, 180_000);

  it('a reassignment of 250 tasks finishes after SIGKILL and restart, each task moved once with one audited event', async () => {
    const from = await createCaseworker(host, ['IA']);
    const to = await createCaseworker(host, ['IA']);
    const tasks = await inBatches(Array.from({ length: 250 }, (_, i) => i), 10, (i) => createTask(host, { assignee: from, title: `Crash ${i}` }));
    await host.brokerIdle();

    const operation = await startOperation(host, '/v1/operations/reassign', 'manager', { json: { fromUserId: from, toUserId: to } });
    expect(operation.progress).toMatchObject({ totalItems: 250, totalChunks: 5 });
    // Killed as soon as work has started: chunks are half done, some tasks moved and not yet counted.
    await waitForOperation(host, operation.id, isRunning);
    const resumedAfterRestart = await crashAndRestart(operation.id);

    const done = await waitForOperation(host, operation.id, undefined, 120_000);
    expect(done).toMatchObject({
      status: 'succeeded',
      progress: { totalItems: 250, processedItems: 250, succeeded: 250, failed: 0, skipped: 0, completedChunks: 5 },
      errors: [],
    });
    resumedAfterRestart();
    // Stats come from counters kept from the task events: current once the broker is idle.
    await host.brokerIdle();
    const remaining = await (await host.call(`/v1/tasks/stats?assignee=${from}`, { as: 'manager' })).json();
    expect(remaining.data.total).toBe(0);
    const moved = await (await host.call(`/v1/tasks/stats?assignee=${to}`, { as: 'manager' })).json();
    expect(moved.data.total).toBe(250);

    await host.brokerIdle();
    for (const task of [tasks[0]!, tasks[125]!, tasks[249]!]) {
      const history = (await (await host.call(`/v1/tasks/${task.id}/history`, { as: 'manager' })).json()).data;
      expect(history.filter((record: { type: string }) => record.type === 'task.assigned')).toHaveLength(1);
    }
  }, 180_000);
});
