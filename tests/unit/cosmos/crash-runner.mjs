// Child process for the crash tests: starts the embedded database on a data
// folder and performs acknowledged writes from several concurrent workers,
// printing one JSON line before each operation ("start") and one after its
// 2xx response ("ack"), so the parent knows exactly what was acknowledged
// when it kills this process with SIGKILL.
//
// Plain .mjs because child processes cannot run TypeScript here; it imports
// the transpiled module whose path the test passes (see helpers.ts).
//
// usage: node crash-runner.mjs <index.js> <dataDir> <options JSON>
//   options: { prefix, workers, maxOps, fsync, compactAfterBytes,
//              exit: 'hang' | 'abandon' | 'close' }
import { CosmosClient } from '@azure/cosmos';

const [indexJs, dataDir, optionsJson] = process.argv.slice(2);
const options = { prefix: 'd', workers: 4, maxOps: 1e9, exit: 'hang', ...JSON.parse(optionsJson ?? '{}') };
const { startEmbeddedCosmos, embeddedCosmosClientOptions } = await import(indexJs);

const db = await startEmbeddedCosmos({
  dataDir,
  ...(options.fsync === undefined ? {} : { fsync: options.fsync }),
  ...(options.compactAfterBytes === undefined ? {} : { compactAfterBytes: options.compactAfterBytes }),
});
const client = new CosmosClient(embeddedCosmosClientOptions(db));
const { database } = await client.databases.createIfNotExists({ id: 'crash' });
const { container } = await database.containers.createIfNotExists({
  id: 'docs',
  partitionKey: { paths: ['/pk'] },
  indexingPolicy: { compositeIndexes: [[{ path: '/dueDate' }, { path: '/id' }]] },
});

const print = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
print({ ev: 'ready' });

let ops = 0;
const budget = () => (ops += 1) <= options.maxOps;

async function step(w, id, op, body, run) {
  print({ ev: 'start', w, id, op, body });
  const doc = await run();
  print({ ev: 'ack', w, id, op, doc: doc ?? null });
  return doc;
}

// Each worker walks its own documents through create → replace|upsert →
// patch → (every third) delete, each step conditioned on the last ETag.
async function worker(w) {
  for (let i = 0; budget(); i += 1) {
    const id = `${options.prefix}-${w}-${i}`;
    const pk = `p${i % 3}`;
    const base = { id, pk, n: 0, title: `doc ${id}`, dueDate: `2025-01-${String((i % 28) + 1).padStart(2, '0')}` };
    let doc = await step(w, id, 'create', base, async () => (await container.items.create(base)).resource);
    if (!budget()) return;
    const next = { ...base, n: 1, title: `changed ${id}` };
    const ifMatch = { accessCondition: { type: 'IfMatch', condition: doc._etag } };
    if (i % 2 === 0) {
      doc = await step(w, id, 'replace', next, async () => (await container.item(id, pk).replace(next, ifMatch)).resource);
    } else {
      doc = await step(w, id, 'upsert', next, async () => (await container.items.upsert(next, ifMatch)).resource);
    }
    if (!budget()) return;
    const patch = [
      { op: 'set', path: '/status', value: 'done' },
      { op: 'incr', path: '/n', value: 1 },
    ];
    doc = await step(w, id, 'patch', patch, async () =>
      (await container.item(id, pk).patch(patch, { accessCondition: { type: 'IfMatch', condition: doc._etag } })).resource,
    );
    if (i % 3 === 2) {
      if (!budget()) return;
      await step(w, id, 'delete', null, async () => {
        await container.item(id, pk).delete({ accessCondition: { type: 'IfMatch', condition: doc._etag } });
        return null;
      });
    }
  }
}

await Promise.all(Array.from({ length: options.workers }, (_, w) => worker(w)));
print({ ev: 'done' });
if (options.exit === 'close') {
  await db.close();
  process.exit(0);
} else if (options.exit === 'abandon') {
  // Like a crash, but at a known point: no close(), so no final snapshot.
  process.exit(0);
}
// 'hang': keep serving until the parent kills us.
