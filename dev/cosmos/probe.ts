/**
 * Probe: how the embedded database (and the real @azure/cosmos client against
 * it) behaves for the queries and conditions the API's query layer relies on.
 * Prints one finding per line; nothing is asserted, because the point is to
 * learn what happens, including failures.
 *
 *   npx tsc -p dev/cosmos/tsconfig.json && node dist/dev/cosmos/probe.js
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CosmosClient, type Container, type SqlQuerySpec } from '@azure/cosmos';
import { embeddedCosmosClientOptions, startEmbeddedCosmos } from './index.js';

interface Task {
  id: string;
  _rid?: string;
  caseId: string;
  status: string;
  title: string;
  dueDate?: string;
  deletedAt?: string | null;
}

const STATUSES = ['open', 'assigned', 'done'];

function report(name: string, value: unknown): void {
  console.log(`${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
}

async function attempt<T>(name: string, run: () => Promise<T>): Promise<T | undefined> {
  try {
    return await run();
  } catch (err) {
    const e = err as { code?: unknown; message?: string };
    report(name, `FAILS (code ${String(e.code)}): ${(e.message ?? String(err)).split('\n')[0]?.slice(0, 200)}`);
    return undefined;
  }
}

/** Pages with fetchNext, resuming every page from a fresh iterator and the previous token. */
async function pageWithFreshIterators(container: Container, query: SqlQuerySpec, pageSize: number) {
  const pages: string[][] = [];
  const tokens: (string | undefined)[] = [];
  let token: string | undefined;
  for (let guard = 0; guard < 1000; guard += 1) {
    const iterator = container.items.query<Task>(query, { maxItemCount: pageSize, ...(token ? { continuationToken: token } : {}) });
    const page = await iterator.fetchNext();
    pages.push(page.resources.map((t) => t.id));
    token = page.continuationToken;
    tokens.push(token);
    if (!token) break;
  }
  return { pages, tokens };
}

async function probePaging(container: Container, name: string, query: SqlQuerySpec, expected: string[]) {
  await attempt(name, async () => {
    const { pages, tokens } = await pageWithFreshIterators(container, query, 7);
    const flat = pages.flat();
    const duplicates = flat.length - new Set(flat).size;
    report(`${name}: pages`, pages.map((p) => p.length).join(','));
    report(`${name}: first token`, tokens[0] ?? '(none)');
    report(`${name}: equals fetchAll order`, JSON.stringify(flat) === JSON.stringify(expected));
    report(`${name}: duplicates / missing`, `${duplicates} / ${expected.filter((id) => !flat.includes(id)).length}`);
    const again = (await pageWithFreshIterators(container, query, 7)).pages.flat();
    report(`${name}: same result when repeated`, JSON.stringify(again) === JSON.stringify(flat));
  });
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'caseload-cosmos-probe-'));
  let db = await startEmbeddedCosmos({ dataDir, fsync: false });
  try {
    const client = new CosmosClient(embeddedCosmosClientOptions(db));
    const { database } = await client.databases.createIfNotExists({ id: 'probe' });
    let { container } = await database.containers.createIfNotExists({
      id: 'tasks',
      partitionKey: { paths: ['/caseId'] },
      indexingPolicy: {
        compositeIndexes: [
          [
            { path: '/dueDate', order: 'ascending' },
            { path: '/id', order: 'ascending' },
          ],
        ],
      },
    });
    const { container: noComposite } = await database.containers.createIfNotExists({ id: 'plain', partitionKey: { paths: ['/caseId'] } });

    // 40 tasks over 3 cases, only 6 distinct due dates (many ties), some
    // without dueDate, some with deletedAt null / set / missing.
    const tasks: Task[] = [];
    for (let i = 0; i < 40; i += 1) {
      const task: Task = {
        id: `task-${String((i * 17) % 40).padStart(2, '0')}`,
        caseId: `case-${i % 3}`,
        status: STATUSES[i % 3]!,
        title: i % 4 === 0 ? `Review HEARING bundle ${i}` : `Call party ${i}`,
      };
      if (i % 10 !== 9) task.dueDate = `2025-03-0${(i % 6) + 1}T09:00:00.000Z`;
      if (i % 5 === 0) task.deletedAt = null;
      else if (i % 5 === 1) task.deletedAt = '2025-01-01T00:00:00.000Z';
      tasks.push(task);
      await container.items.create(task);
      await noComposite.items.create(task);
    }
    // Replace a few, which moves them to the end of the engine's insertion order.
    for (const id of ['task-00', 'task-17', 'task-34']) {
      const { resource } = await container.item(id, tasks.find((t) => t.id === id)!.caseId).read<Task>();
      await container.item(id, resource!.caseId).replace({ ...resource!, title: `${resource!.title} (edited)` });
    }
    const live = tasks.filter((t) => t.deletedAt === null || t.deletedAt === undefined);
    report('setup', `${tasks.length} tasks, ${tasks.filter((t) => t.dueDate).length} with dueDate, ${live.length} not deleted`);

    // 1. Single-field ORDER BY with a WHERE, paged through fresh iterators.
    const where = 'WHERE (NOT IS_DEFINED(c.deletedAt) OR c.deletedAt = null)';
    const single: SqlQuerySpec = { query: `SELECT * FROM c ${where} ORDER BY c.dueDate ASC` };
    const singleAll = await attempt('single-field ORDER BY fetchAll', () => container.items.query<Task>(single).fetchAll());
    if (singleAll) {
      const ids = singleAll.resources.map((t) => t.id);
      report('single-field ORDER BY: rows (docs without dueDate are dropped)', `${ids.length} of ${live.length}`);
      const dates = singleAll.resources.map((t) => t.dueDate ?? '');
      report('single-field ORDER BY: sorted by dueDate', dates.every((d, i) => i === 0 || dates[i - 1]! <= d));
      const tieOrderIsId = singleAll.resources.every(
        (t, i, all) => i === 0 || all[i - 1]!.dueDate !== t.dueDate || all[i - 1]!.id < t.id,
      );
      report('single-field ORDER BY: ties come out in id order', tieOrderIsId);
      const tieOrderIsRid = singleAll.resources.every(
        (t, i, all) => i === 0 || all[i - 1]!.dueDate !== t.dueDate || String(all[i - 1]!._rid) < String(t._rid),
      );
      report('single-field ORDER BY: ties come out in _rid (base64 string) order', tieOrderIsRid);
      await probePaging(container, 'single-field ORDER BY paging', single, ids);
    }

    // 2. Two-field ORDER BY with the composite index, and without one.
    const double: SqlQuerySpec = { query: `SELECT * FROM c ${where} ORDER BY c.dueDate ASC, c.id ASC` };
    const doubleAll = await attempt('two-field ORDER BY fetchAll', () => container.items.query<Task>(double).fetchAll());
    if (doubleAll) {
      const ids = doubleAll.resources.map((t) => t.id);
      report('two-field ORDER BY: rows (docs without dueDate are kept)', `${ids.length} of ${live.length}`);
      // Missing dueDate sorts before any string (Cosmos type order: undefined < null < ... < string).
      const before = (a: Task, b: Task): boolean =>
        a.dueDate === b.dueDate ? a.id < b.id : a.dueDate === undefined || (b.dueDate !== undefined && a.dueDate < b.dueDate);
      report(
        'two-field ORDER BY: sorted by (dueDate, id)',
        doubleAll.resources.every((t, i, all) => i === 0 || before(all[i - 1]!, t)),
      );
      report('two-field ORDER BY: where docs without dueDate go', doubleAll.resources.filter((t) => !t.dueDate).length ? (doubleAll.resources[0]!.dueDate ? 'last' : 'first') : 'n/a');
      await probePaging(container, 'two-field ORDER BY paging', double, ids);
    }
    await attempt('two-field ORDER BY without composite index', async () => {
      const r = await noComposite.items.query(double).fetchAll();
      report('two-field ORDER BY without composite index', `works (${r.resources.length} rows)`);
    });

    // 3. Paging when a document is inserted between pages (before the cursor).
    await attempt('two-field ORDER BY paging with an insert between pages', async () => {
      const first = await container.items.query<Task>(double, { maxItemCount: 10 }).fetchNext();
      await container.items.create({ id: 'task-000', caseId: 'case-0', status: 'open', title: 'late', dueDate: '2025-03-01T09:00:00.000Z' });
      const second = await container.items
        .query<Task>(double, { maxItemCount: 10, continuationToken: first.continuationToken! })
        .fetchNext();
      const overlap = second.resources.filter((t) => first.resources.some((f) => f.id === t.id)).length;
      report('two-field ORDER BY: insert before cursor between pages', `second page repeats ${overlap} rows of the first; new row appears in page 2: ${second.resources.some((t) => t.id === 'task-000')}`);
      await container.item('task-000', 'case-0').delete();
    });

    // 3b. A token taken before a restart of the embedded database, used after it.
    await attempt('token across restart', async () => {
      const first = await container.items.query<Task>(double, { maxItemCount: 10 }).fetchNext();
      const rest = (await container.items.query<Task>(double, { continuationToken: first.continuationToken! }).fetchAll()).resources;
      await db.close();
      db = await startEmbeddedCosmos({ dataDir, fsync: false });
      const client2 = new CosmosClient(embeddedCosmosClientOptions(db));
      container = client2.database('probe').container('tasks');
      const after = (await container.items.query<Task>(double, { continuationToken: first.continuationToken! }).fetchAll()).resources;
      report('token across restart: resumes identically', JSON.stringify(after.map((t) => t.id)) === JSON.stringify(rest.map((t) => t.id)));
    });

    // 4. Paging without ORDER BY (insertion order inside the engine).
    await attempt('no ORDER BY paging', async () => {
      const plainQuery: SqlQuerySpec = { query: 'SELECT * FROM c' };
      const all = (await container.items.query<Task>(plainQuery).fetchAll()).resources.map((t) => t.id);
      const { pages } = await pageWithFreshIterators(container, plainQuery, 7);
      const flat = pages.flat();
      report('no ORDER BY paging: duplicates / missing', `${flat.length - new Set(flat).size} / ${all.filter((id) => !flat.includes(id)).length}`);
    });

    // 5. Filters and functions.
    await attempt('c.deletedAt = null', async () => {
      const r = await container.items.query<Task>('SELECT * FROM c WHERE c.deletedAt = null').fetchAll();
      const expected = tasks.filter((t) => t.deletedAt === null).length;
      report('c.deletedAt = null', `${r.resources.length} rows; docs with deletedAt null: ${expected}, missing: ${tasks.filter((t) => !('deletedAt' in t)).length}`);
    });
    await attempt('ARRAY_CONTAINS(@list, c.status)', async () => {
      const r = await container.items
        .query<Task>({ query: 'SELECT * FROM c WHERE ARRAY_CONTAINS(@list, c.status)', parameters: [{ name: '@list', value: ['open', 'done'] }] })
        .fetchAll();
      report('ARRAY_CONTAINS(@list, c.status)', `${r.resources.length} rows (expected ${tasks.filter((t) => t.status !== 'assigned').length})`);
    });
    await attempt('SELECT VALUE COUNT(1)', async () => {
      const r = await container.items
        .query<number>({ query: 'SELECT VALUE COUNT(1) FROM c WHERE c.status = @s', parameters: [{ name: '@s', value: 'open' }] })
        .fetchAll();
      report('SELECT VALUE COUNT(1) ... WHERE', `resources ${JSON.stringify(r.resources)} (expected ${tasks.filter((t) => t.status === 'open').length})`);
    });
    await attempt('SELECT VALUE COUNT(1) with partitionKey option', async () => {
      const r = await container.items
        .query<number>({ query: 'SELECT VALUE COUNT(1) FROM c' }, { partitionKey: 'case-0' })
        .fetchAll();
      report('SELECT VALUE COUNT(1) with partitionKey option', `resources ${JSON.stringify(r.resources)} (case-0 has ${tasks.filter((t) => t.caseId === 'case-0').length}, all ${tasks.length})`);
    });
    await attempt('GROUP BY', async () => {
      const r = await container.items.query('SELECT c.status, COUNT(1) AS n FROM c GROUP BY c.status').fetchAll();
      report('GROUP BY', `works: ${JSON.stringify(r.resources)}`);
    });
    await attempt('CONTAINS(LOWER(c.title), @q)', async () => {
      const r = await container.items
        .query<Task>({ query: 'SELECT * FROM c WHERE CONTAINS(LOWER(c.title), @q)', parameters: [{ name: '@q', value: 'hearing' }] })
        .fetchAll();
      report('CONTAINS(LOWER(c.title), @q)', `${r.resources.length} rows (expected ${tasks.filter((t) => t.title.toLowerCase().includes('hearing')).length})`);
    });

    // 6. Optimistic concurrency.
    const target = container.item('task-01', tasks.find((t) => t.id === 'task-01')!.caseId);
    const { resource: current } = await target.read<Task & { _etag: string }>();
    const { resource: updated } = await target.replace({ ...current!, status: 'done' });
    await attempt('replace with stale If-Match', async () => {
      await target.replace({ ...current!, status: 'open' }, { accessCondition: { type: 'IfMatch', condition: current!._etag } });
      report('replace with stale If-Match', 'SUCCEEDED (no 412!)');
    });
    await attempt('patch with current ifMatch', async () => {
      const r = await target.patch([{ op: 'set', path: '/status', value: 'assigned' }], { accessCondition: { type: 'IfMatch', condition: updated!._etag } });
      report('patch with current ifMatch', `status ${r.statusCode}, new etag differs: ${r.etag !== updated!._etag}`);
    });
    await attempt('patch with stale ifMatch', async () => {
      await target.patch([{ op: 'set', path: '/status', value: 'open' }], { accessCondition: { type: 'IfMatch', condition: updated!._etag } });
      report('patch with stale ifMatch', 'SUCCEEDED (no 412!)');
    });
  } finally {
    await db.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
