/**
 * Clean close and restart through the real @azure/cosmos client: data,
 * system properties and container definitions come back exactly.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ContainerDefinition, ItemDefinition } from '@azure/cosmos';
import { startEmbeddedCosmos, type EmbeddedCosmos } from '../../../dev/cosmos/index.js';
import { clientFor, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const open: EmbeddedCosmos[] = [];
afterAll(async () => {
  for (const db of open) await db.close();
});

async function start(dataDir: string, compactAfterBytes?: number): Promise<EmbeddedCosmos> {
  const db = await startEmbeddedCosmos({ dataDir, ...(compactAfterBytes ? { compactAfterBytes } : {}) });
  open.push(db);
  return db;
}

const tasksDefinition: ContainerDefinition = {
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
  uniqueKeyPolicy: { uniqueKeys: [{ paths: ['/reference'] }] },
};

const byDueDateThenId = 'SELECT * FROM c ORDER BY c.dueDate ASC, c.id ASC';

describe('embedded cosmos: clean restart', () => {
  it('restores documents with identical _etag, _ts, _rid and _self, and the container definition', async () => {
    const dataDir = tempDir();
    let db = await start(dataDir);
    let client = clientFor(db);
    const { database } = await client.databases.createIfNotExists({ id: 'caseload' });
    const { container, resource: definition } = await database.containers.createIfNotExists(tasksDefinition);
    await database.containers.createIfNotExists({ id: 'plain', partitionKey: { paths: ['/id'] } });

    const written: ItemDefinition[] = [];
    for (let i = 0; i < 20; i += 1) {
      const doc = { id: `t${String(i).padStart(2, '0')}`, caseId: `c${i % 4}`, reference: `R${i}`, dueDate: `2025-02-${10 + (i % 5)}` };
      written.push((await container.items.create(doc)).resource!);
    }
    // Every mutating path: replace, upsert (update and insert), patch, delete, bulk.
    written[1] = (await container.item('t01', 'c1').replace({ ...written[1], title: 'replaced' })).resource!;
    written[2] = (await container.items.upsert({ ...written[2], title: 'upserted' })).resource!;
    written.push((await container.items.upsert({ id: 'u1', caseId: 'c9', reference: 'U1', dueDate: '2025-01-01' })).resource!);
    written[3] = (await container.item('t03', 'c3').patch([{ op: 'add', path: '/tags', value: ['x'] }])).resource!;
    await container.item('t04', 'c0').delete();
    const bulk = await container.items.executeBulkOperations([
      { operationType: 'Create', partitionKey: 'c5', resourceBody: { id: 'b1', caseId: 'c5', reference: 'B1', dueDate: '2025-03-01' } },
      { operationType: 'Delete', partitionKey: 'c1', id: 't05' },
    ]);
    expect(bulk.map((r) => r.response?.statusCode)).toEqual([201, 204]);
    written.push(bulk[0]!.response!.resourceBody as ItemDefinition);
    const expected = written.filter((d) => d.id !== 't04' && d.id !== 't05').sort((a, b) => a.id!.localeCompare(b.id!));
    const orderedBefore = (await container.items.query(byDueDateThenId).fetchAll()).resources;

    await db.close();
    db = await start(dataDir);
    client = clientFor(db);
    const restored = client.database('caseload').container('tasks');

    const { resources } = await restored.items.query('SELECT * FROM c').fetchAll();
    expect(resources.sort((a, b) => a.id.localeCompare(b.id))).toEqual(expected);
    const { resource: point } = await restored.item('t01', 'c1').read();
    expect(point).toEqual(written[1]);

    const { resource: definitionAfter } = await restored.read();
    expect(definitionAfter).toEqual(definition);
    // The composite index is live again: two-field ORDER BY is accepted and ordered the same.
    expect((await restored.items.query(byDueDateThenId).fetchAll()).resources).toEqual(orderedBefore);
    // The unique key is enforced again.
    await expect(restored.items.create({ id: 'dup', caseId: 'c0', reference: 'R0' })).rejects.toMatchObject({ code: 409 });
    // The second container survived too.
    expect((await client.database('caseload').container('plain').read()).resource?.id).toBe('plain');
  });

  it('accepts an ETag taken before the restart (no needless 412) and rejects a stale one', async () => {
    const dataDir = tempDir();
    let db = await start(dataDir);
    const { database } = await clientFor(db).databases.createIfNotExists({ id: 'caseload' });
    const { container } = await database.containers.createIfNotExists(tasksDefinition);
    const first = (await container.items.create({ id: 'e1', caseId: 'c', reference: 'E1', n: 1 })).resource!;
    const second = (await container.item('e1', 'c').replace({ ...first, n: 2 })).resource!;
    await db.close();

    db = await start(dataDir);
    const restored = clientFor(db).database('caseload').container('tasks');
    const stale = restored.item('e1', 'c').replace({ ...second, n: 3 }, { accessCondition: { type: 'IfMatch', condition: first._etag } });
    await expect(stale).rejects.toMatchObject({ code: 412 });
    const fresh = await restored.item('e1', 'c').replace({ ...second, n: 3 }, { accessCondition: { type: 'IfMatch', condition: second._etag } });
    expect(fresh.statusCode).toBe(200);
  });

  it('gives new documents fresh _rids after a restart, also when every earlier one was deleted', async () => {
    const dataDir = tempDir();
    let db = await start(dataDir);
    const { database } = await clientFor(db).databases.createIfNotExists({ id: 'caseload' });
    const { container } = await database.containers.createIfNotExists(tasksDefinition);
    const first = (await container.items.create({ id: 'k', caseId: 'c', reference: 'K' })).resource!;
    const second = (await container.items.create({ id: 'g', caseId: 'c', reference: 'G' })).resource!;
    await container.item('k', 'c').delete();
    await container.item('g', 'c').delete();
    await db.close();

    db = await start(dataDir);
    const restored = clientFor(db).database('caseload').container('tasks');
    const created = (await restored.items.create({ id: 'n', caseId: 'c', reference: 'N' })).resource!;
    expect([first._rid, second._rid]).not.toContain(created._rid);
  });

  it('keeps deletes of databases and containers, and replaced container definitions with their documents', async () => {
    const dataDir = tempDir();
    let db = await start(dataDir);
    let client = clientFor(db);
    await client.databases.createIfNotExists({ id: 'doomed' });
    const { database } = await client.databases.createIfNotExists({ id: 'caseload' });
    await database.containers.createIfNotExists({ id: 'gone', partitionKey: { paths: ['/id'] } });
    const { container } = await database.containers.createIfNotExists({ id: 'changing', partitionKey: { paths: ['/id'] } });
    const doc = (await container.items.create({ id: 'kept', a: 1, b: 2 })).resource;
    await client.database('doomed').delete();
    await database.container('gone').delete();
    const byAB = 'SELECT * FROM c ORDER BY c.a ASC, c.b ASC';
    await expect(container.items.query(byAB).fetchAll()).rejects.toMatchObject({ code: 400 });
    const { resource: replaced } = await container.replace({
      id: 'changing',
      partitionKey: { paths: ['/id'] },
      indexingPolicy: { compositeIndexes: [[{ path: '/a' }, { path: '/b' }]] },
    });
    // Like real Cosmos (upstream alone would drop them): documents survive, the new index applies.
    expect((await container.items.query(byAB).fetchAll()).resources).toEqual([doc]);
    await db.close();

    db = await start(dataDir);
    client = clientFor(db);
    const { resources: databases } = await client.databases.readAll().fetchAll();
    expect(databases.map((d) => d.id)).toEqual(['caseload']);
    const { resources: containers } = await client.database('caseload').containers.readAll().fetchAll();
    expect(containers.map((c) => c.id)).toEqual(['changing']);
    expect(containers[0]).toEqual(replaced);
    const restored = client.database('caseload').container('changing');
    expect((await restored.items.query(byAB).fetchAll()).resources).toEqual([doc]);
    expect((await restored.item('kept', 'kept').read()).resource).toEqual(doc);
  });

  it('compacts while running (snapshot + shorter journal) without losing anything', async () => {
    const dataDir = tempDir();
    let db = await start(dataDir, 2048);
    const { database } = await clientFor(db).databases.createIfNotExists({ id: 'caseload' });
    const { container } = await database.containers.createIfNotExists(tasksDefinition);
    const docs: ItemDefinition[] = [];
    for (let i = 0; i < 60; i += 1) {
      docs.push((await container.items.create({ id: `x${i}`, caseId: 'c', reference: `X${i}`, body: 'y'.repeat(100) })).resource!);
    }
    const { existsSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    expect(existsSync(join(dataDir, 'snapshot.jsonl'))).toBe(true);
    // 60 creates of ~300 bytes would be ~18 KiB without compaction.
    expect(statSync(join(dataDir, 'journal.jsonl')).size).toBeLessThan(8 * 1024);
    await db.close();

    db = await start(dataDir);
    const { resources } = await clientFor(db).database('caseload').container('tasks').items.query('SELECT * FROM c').fetchAll();
    expect(resources.sort((a, b) => Number(a.id.slice(1)) - Number(b.id.slice(1)))).toEqual(docs);
  });
});
