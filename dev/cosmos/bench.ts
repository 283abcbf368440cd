/**
 * Throughput of creates through the real @azure/cosmos client: upstream's
 * in-memory server vs the embedded database without and with fsync,
 * sequentially and with 8 concurrent writers; plus restart time.
 * Numbers only, no pass/fail: they depend on the machine and its disk.
 *
 *   npx tsc -p dev/cosmos/tsconfig.json && node dist/dev/cosmos/bench.js [creates]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CosmosClient, type Container } from '@azure/cosmos';
import { createHttpServer } from '@vercel/cosmosdb-server';
import { embeddedCosmosClientOptions, startEmbeddedCosmos } from './index.js';

const creates = Number(process.argv[2] ?? 2000);

interface Target {
  name: string;
  start(): Promise<{ client: CosmosClient; close(): Promise<void> }>;
}

const dirs: string[] = [];
function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'caseload-cosmos-bench-'));
  dirs.push(dir);
  return dir;
}

const targets: Target[] = [
  {
    name: 'upstream in-memory (no persistence)',
    async start() {
      const server = createHttpServer({ keepAlive: true });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const client = new CosmosClient({
        endpoint: `http://127.0.0.1:${port}`,
        key: Buffer.from('bench').toString('base64'),
        connectionPolicy: { enableEndpointDiscovery: false },
      });
      return {
        client,
        close: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
            server.closeAllConnections();
          }),
      };
    },
  },
  ...[false, true].map<Target>((fsync) => ({
    name: `embedded, journal ${fsync ? 'write + fdatasync' : 'write only (no fsync)'}`,
    async start() {
      const db = await startEmbeddedCosmos({ dataDir: freshDir(), fsync });
      return { client: new CosmosClient(embeddedCosmosClientOptions(db)), close: () => db.close() };
    },
  })),
];

function task(prefix: string, i: number) {
  return {
    id: `${prefix}-${i}`,
    caseId: `case-${i % 50}`,
    status: 'open',
    title: `Review the hearing bundle for task ${i}`,
    assignee: `user-${i % 20}`,
    dueDate: new Date(Date.UTC(2025, 0, 1 + (i % 300))).toISOString(),
    createdAt: new Date().toISOString(),
    deletedAt: null,
    pendingEvents: [],
  };
}

async function setup(client: CosmosClient): Promise<Container> {
  const { database } = await client.databases.createIfNotExists({ id: 'bench' });
  const { container } = await database.containers.createIfNotExists({ id: 'tasks', partitionKey: { paths: ['/caseId'] } });
  return container;
}

async function rate(count: number, writers: number, write: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      for (let i = next++; i < count; i = next++) await write(i);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${creates} creates per run, ~350-byte documents`);
  for (const target of targets) {
    const { client, close } = await target.start();
    const container = await setup(client);
    // Warm up connections and code paths.
    await rate(100, 8, (i) => container.items.create(task('warm', i)));
    const sequential = await rate(creates, 1, (i) => container.items.create(task('seq', i)));
    const concurrent = await rate(creates, 8, (i) => container.items.create(task('par', i)));
    console.log(`${target.name.padEnd(46)} sequential ${sequential.toFixed(0).padStart(6)} creates/s   8 writers ${concurrent.toFixed(0).padStart(6)} creates/s`);
    await close();
  }

  // Restart cost: replaying a journal vs loading a snapshot.
  const dataDir = freshDir();
  const total = Math.max(creates * 5, 10_000);
  let db = await startEmbeddedCosmos({ dataDir, fsync: false, compactAfterBytes: Number.MAX_SAFE_INTEGER });
  const container = await setup(new CosmosClient(embeddedCosmosClientOptions(db)));
  await rate(total, 8, (i) => container.items.create(task('r', i)));
  const journalBytes = statSync(join(dataDir, 'journal.jsonl')).size;
  // Simulate a crash's leftovers (journal only) by copying before the clean close snapshots.
  const crashed = freshDir();
  const { copyFileSync } = await import('node:fs');
  copyFileSync(join(dataDir, 'journal.jsonl'), join(crashed, 'journal.jsonl'));
  let t = performance.now();
  await db.close();
  const closeMs = performance.now() - t;
  t = performance.now();
  db = await startEmbeddedCosmos({ dataDir });
  const snapshotStartMs = performance.now() - t;
  await db.close();
  t = performance.now();
  db = await startEmbeddedCosmos({ dataDir: crashed });
  const journalStartMs = performance.now() - t;
  await db.close();
  console.log(
    `${total} documents: close (final snapshot, ${(statSync(join(dataDir, 'snapshot.jsonl')).size / 1e6).toFixed(1)} MB) ${closeMs.toFixed(0)} ms; ` +
      `start from snapshot ${snapshotStartMs.toFixed(0)} ms; start from journal only (${(journalBytes / 1e6).toFixed(1)} MB, after a crash) ${journalStartMs.toFixed(0)} ms`,
  );
  console.log(`RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
}

try {
  await main();
} finally {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
