import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTask, expectProblem, inDays, uniqueCaseId } from './fixtures.js';
import { startLocalHost, type LocalHost } from './local-host.js';

let host: LocalHost;
const caseId = uniqueCaseId();
const otherCase = uniqueCaseId();
const PRIORITY_RANK = { low: 1, medium: 2, high: 3, urgent: 4 } as Record<string, number>;

beforeAll(async () => {
  host = await startLocalHost();
  // 23 tasks on one case, several sharing a due date so paging must break ties.
  const priorities = ['low', 'medium', 'high', 'urgent'];
  for (let i = 0; i < 23; i++) {
    await createTask(host, {
      caseId,
      title: i % 5 === 0 ? `Translate order ${i}` : `Review bundle ${i}`,
      description: i === 7 ? 'Needs a WELSH interpreter' : 'routine',
      priority: priorities[i % 4],
      dueDate: inDays(1 + (i % 6)),
      jurisdiction: i % 2 === 0 ? 'IA' : 'SSCS',
      assignee: i % 3 === 0 ? 'c0000000-0000-4000-8000-000000000001' : null,
    });
  }
  await createTask(host, { caseId: otherCase });
});
afterAll(async () => host?.dispose());

async function list(query: string, as: Parameters<LocalHost['call']>[1]['as'] = 'manager') {
  const response = await host.call(`/v1/tasks?${query}`, { as });
  const json = await response.json();
  expect(response.status, JSON.stringify(json)).toBe(200);
  return json;
}

async function listAll(query: string): Promise<Record<string, any>[]> {
  const tasks: Record<string, any>[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const json = await list(`${query}&limit=5${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(json.data.length).toBeLessThanOrEqual(5);
    expect(json.pagination.hasMore).toBe(json.pagination.nextCursor !== null);
    tasks.push(...json.data);
    cursor = json.pagination.nextCursor;
    pages += 1;
  } while (cursor);
  expect(pages).toBeGreaterThanOrEqual(5);
  return tasks;
}

describe('list', () => {
  it('defaults to 20 per page with a cursor, and filters by case', async () => {
    const json = await list(`caseId=${caseId}`);
    expect(json.data).toHaveLength(20);
    expect(json.pagination).toMatchObject({ limit: 20, hasMore: true });
    expect(json.data.every((task: { caseId: string }) => task.caseId === caseId)).toBe(true);
  });

  it('pages through every task exactly once, in order, for each sort', async () => {
    for (const [sort, order] of [['dueDate', 'asc'], ['priority', 'desc'], ['createdAt', 'desc'], ['updatedAt', 'asc']] as const) {
      const tasks = await listAll(`caseId=${caseId}&sort=${sort}&order=${order}`);
      expect(new Set(tasks.map((task) => task.id)).size).toBe(23);
      const keys = tasks.map((task) => (sort === 'priority' ? PRIORITY_RANK[task.priority] : task[sort]));
      const sorted = [...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      expect(keys, `${sort} ${order}`).toEqual(order === 'asc' ? sorted : sorted.reverse());
    }
  });

  it('filters by status, priority, jurisdiction, assignee and due range', async () => {
    // Several values: the parameter repeated (the one form the contract declares, style form, explode true).
    const urgentOrHigh = await list(`caseId=${caseId}&priority=urgent&priority=high&limit=100`);
    expect(urgentOrHigh.data.length).toBe(11);
    expect(new Set(urgentOrHigh.data.map((task: { priority: string }) => task.priority))).toEqual(new Set(['urgent', 'high']));

    const sscs = await list(`caseId=${caseId}&jurisdiction=SSCS&limit=100`);
    expect(sscs.data.length).toBe(11);

    const unassigned = await list(`caseId=${caseId}&assignee=unassigned&limit=100`);
    expect(unassigned.data.length).toBe(15);
    const caseworkers = await list(`caseId=${caseId}&assignee=c0000000-0000-4000-8000-000000000001&limit=100`);
    expect(caseworkers.data.length).toBe(8);

    const pending = await list(`caseId=${caseId}&status=pending&status=in_progress&limit=100`);
    expect(pending.data.length).toBe(23);
    expect((await list(`caseId=${caseId}&status=completed`)).data).toEqual([]);

    const soon = await list(`caseId=${caseId}&dueBefore=${encodeURIComponent(inDays(2.5))}&limit=100`);
    expect(soon.data.length).toBe(8); // due in 1 or 2 days: i % 6 in {0, 1}
    const later = await list(`caseId=${caseId}&dueAfter=${encodeURIComponent(inDays(2.5))}&limit=100`);
    expect(later.data.length).toBe(15);
  });

  it('searches title and description case-insensitively', async () => {
    const welsh = await list(`caseId=${caseId}&q=welsh`);
    expect(welsh.data.map((task: { title: string }) => task.title)).toEqual(['Review bundle 7']);
    const translate = await list(`caseId=${caseId}&q=TRANSLATE&limit=100`);
    expect(translate.data.length).toBe(5);
  });

  it('refuses a cursor reused with other filters', async () => {
    const first = await list(`caseId=${caseId}&limit=5`);
    const response = await host.call(`/v1/tasks?caseId=${otherCase}&limit=5&cursor=${encodeURIComponent(first.pagination.nextCursor)}`, { as: 'manager' });
    await expectProblem(response, 400, 'cursor');
  });
});

describe('stats', () => {
  it('counts by status and priority, and overdue, for what the caller may see', async () => {
    // Stats come from counters kept from the task events: once the broker is idle they are current.
    await host.brokerIdle();
    const json = await (await host.call(`/v1/tasks/stats?caseId=${caseId}`, { as: 'manager' })).json();
    expect(json.data).toEqual({
      byStatus: { pending: 23, in_progress: 0, completed: 0, cancelled: 0 },
      byPriority: { low: 6, medium: 6, high: 6, urgent: 5 },
      overdue: 0,
      total: 23,
    });
    // A caseworker counts their own tasks and the unassigned ones they could claim: 8 + 15.
    const mine = await (await host.call(`/v1/tasks/stats?caseId=${caseId}`, { as: 'caseworker' })).json();
    expect(mine.data.total).toBe(23);
    const theirs = await (await host.call(`/v1/tasks/stats?caseId=${caseId}&assignee=me`, { as: 'caseworker' })).json();
    expect(theirs.data.total).toBe(8);
    const everything = await (await host.call('/v1/tasks/stats', { as: 'admin' })).json();
    expect(everything.data.total).toBeGreaterThanOrEqual(300 + 24);
  });
});
