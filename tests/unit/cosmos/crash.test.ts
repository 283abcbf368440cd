/**
 * Crash safety: a child process writes through the real client and is killed
 * with SIGKILL mid-stream; a fresh server on the same folder must hold every
 * write the child saw acknowledged.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedCosmos } from '../../../dev/cosmos/index.js';
import { buildEmbeddedCosmos, clientFor, removeTempDirs, tempDir } from './helpers.js';
import { expectations, runWriter, verify } from './writer.js';

let indexJs: string;
beforeAll(() => {
  indexJs = buildEmbeddedCosmos();
});
afterAll(removeTempDirs);

async function reopenAndVerify(dataDir: string, events: Parameters<typeof expectations>[0]) {
  const db = await startEmbeddedCosmos({ dataDir, log: () => {} });
  try {
    const container = clientFor(db).database('crash').container('docs');
    const docs = expectations(events);
    const strict = await verify(container, docs);
    return { db, container, docs, strict };
  } catch (err) {
    await db.close();
    throw err;
  }
}

describe('embedded cosmos survives kill -9', () => {
  it('keeps every acknowledged create, replace, upsert, patch and delete (4 concurrent writers)', async () => {
    const dataDir = tempDir();
    const run = await runWriter(indexJs, dataDir, { workers: 4 }, 400);
    expect(run.signal, run.stderr).toBe('SIGKILL');
    expect(run.acks).toBeGreaterThanOrEqual(400);

    const { db, docs, strict } = await reopenAndVerify(dataDir, run.events);
    await db.close();
    // Sanity: the run really covered every kind of operation, and most
    // documents had no operation in flight.
    const ops = new Set(run.events.flatMap((e) => (e.ev === 'ack' ? [e.op] : [])));
    expect([...ops].sort()).toEqual(['create', 'delete', 'patch', 'replace', 'upsert']);
    expect(strict).toBeGreaterThan(docs.size - 5);
  });

  it('keeps acknowledged writes when killed while compacting often (snapshot + journal)', async () => {
    const dataDir = tempDir();
    const run = await runWriter(indexJs, dataDir, { workers: 3, compactAfterBytes: 4096 }, 300);
    expect(run.signal, run.stderr).toBe('SIGKILL');
    // The child compacted at least once, so recovery reads a snapshot and a journal.
    expect(existsSync(join(dataDir, 'snapshot.jsonl'))).toBe(true);
    expect(statSync(join(dataDir, 'journal.jsonl')).size).toBeLessThan(64 * 1024);

    const { db } = await reopenAndVerify(dataDir, run.events);
    await db.close();
  });

  it('keeps writes made after a recovery when killed a second time', async () => {
    const dataDir = tempDir();
    const first = await runWriter(indexJs, dataDir, { workers: 2, prefix: 'a' }, 100);
    expect(first.signal).toBe('SIGKILL');
    const second = await runWriter(indexJs, dataDir, { workers: 2, prefix: 'b' }, 100);
    expect(second.signal, second.stderr).toBe('SIGKILL');

    const { db } = await reopenAndVerify(dataDir, [...first.events, ...second.events]);
    await db.close();
  });

  it('without fsync, still keeps acknowledged writes across a process kill', async () => {
    const dataDir = tempDir();
    const run = await runWriter(indexJs, dataDir, { workers: 4, fsync: false }, 400);
    expect(run.signal, run.stderr).toBe('SIGKILL');
    const { db } = await reopenAndVerify(dataDir, run.events);
    await db.close();
  });
});
