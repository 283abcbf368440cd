/**
 * Recovery from damaged or half-finished files: torn journal tails, garbage,
 * a crash between writing a snapshot and emptying the journal, a damaged
 * snapshot, and a folder already in use.
 */
import { appendFileSync, copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../../../dev/cosmos/journal.js';
import { startEmbeddedCosmos } from '../../../dev/cosmos/index.js';
import { buildEmbeddedCosmos, clientFor, removeTempDirs, tempDir } from './helpers.js';
import { expectations, runWriter, verify } from './writer.js';

let indexJs: string;
beforeAll(() => {
  indexJs = buildEmbeddedCosmos();
});
afterAll(removeTempDirs);

const quiet = (): void => {};

describe('readJournal', () => {
  const unit = (s: number): string => `${JSON.stringify({ s, ops: [{ o: 'ctr', k: 'db', p: [], n: s }] })}\n`;

  it('reads complete lines and reports a torn last line without failing', () => {
    const file = join(tempDir(), 'journal.jsonl');
    writeFileSync(file, unit(1) + unit(2) + unit(3).slice(0, 20));
    const read = readJournal(file);
    expect(read.entries.map((e) => e.unit.s)).toEqual([1, 2]);
    expect(read.entries.at(-1)?.end).toBe((unit(1) + unit(2)).length);
    expect(read.problem).toMatch(/torn last line/);
  });

  it('treats a complete line that ends without a newline as torn (it was never acknowledged)', () => {
    const file = join(tempDir(), 'journal.jsonl');
    writeFileSync(file, unit(1) + unit(2).trimEnd());
    expect(readJournal(file).entries.map((e) => e.unit.s)).toEqual([1]);
  });

  it('stops at an unreadable line', () => {
    const file = join(tempDir(), 'journal.jsonl');
    writeFileSync(file, `${unit(1)}\0\0\0\0\n${unit(2)}`);
    const read = readJournal(file);
    expect(read.entries.map((e) => e.unit.s)).toEqual([1]);
    expect(read.problem).toMatch(/unreadable line at byte/);
  });

  it('returns nothing for a missing file', () => {
    expect(readJournal(join(tempDir(), 'none.jsonl'))).toEqual({ entries: [], size: 0 });
  });
});

describe('embedded cosmos recovery', () => {
  it('ignores a torn last journal line, and later writes are not lost behind it', async () => {
    const dataDir = tempDir();
    const first = await runWriter(indexJs, dataDir, { workers: 2, prefix: 'a', maxOps: 40, exit: 'abandon' });
    expect(first.code, first.stderr).toBe(0);
    // A crash in the middle of appending a unit.
    appendFileSync(join(dataDir, 'journal.jsonl'), '{"s":100000,"ops":[{"o":"set","k":"doc","p":["x","y"],"d":{"id":');

    const second = await runWriter(indexJs, dataDir, { workers: 2, prefix: 'b', maxOps: 40, exit: 'abandon' });
    expect(second.code, second.stderr).toBe(0);
    expect(readdirSync(dataDir).filter((f) => f.startsWith('journal.discarded-'))).toHaveLength(1);

    // Had the second run appended after the torn line, its writes would be unreadable now.
    const db = await startEmbeddedCosmos({ dataDir, log: quiet });
    try {
      const container = clientFor(db).database('crash').container('docs');
      const strict = await verify(container, expectations([...first.events, ...second.events]));
      expect(strict).toBe(expectations([...first.events, ...second.events]).size);
    } finally {
      await db.close();
    }
  });

  it('does not apply journal units twice after a crash between snapshot and journal reset', async () => {
    const dataDir = tempDir();
    const run = await runWriter(indexJs, dataDir, { workers: 2, maxOps: 60, exit: 'abandon' });
    expect(run.code, run.stderr).toBe(0);
    const journal = join(dataDir, 'journal.jsonl');
    const saved = join(tempDir(), 'journal.copy');
    copyFileSync(journal, saved);

    // A clean close writes a snapshot covering every unit and empties the journal...
    await (await startEmbeddedCosmos({ dataDir })).close();
    expect(readFileSync(journal, 'utf8')).toBe('');
    // ...as if the crash had come before the journal was emptied.
    copyFileSync(saved, journal);

    const db = await startEmbeddedCosmos({ dataDir });
    try {
      await verify(clientFor(db).database('crash').container('docs'), expectations(run.events));
    } finally {
      await db.close();
    }
  });

  it('refuses to start on a damaged snapshot instead of starting empty', async () => {
    const dataDir = tempDir();
    const run = await runWriter(indexJs, dataDir, { workers: 1, maxOps: 10, exit: 'close' });
    expect(run.code, run.stderr).toBe(0);
    const snapshot = join(dataDir, 'snapshot.jsonl');
    const text = readFileSync(snapshot, 'utf8');
    writeFileSync(snapshot, text.slice(0, Math.floor(text.length / 2)));
    await expect(startEmbeddedCosmos({ dataDir })).rejects.toThrow(/snapshot .* is damaged/);
    // The failed start released the folder: a repaired snapshot opens.
    writeFileSync(snapshot, text);
    await (await startEmbeddedCosmos({ dataDir })).close();
  });

  it('allows one server per data folder', async () => {
    const dataDir = tempDir();
    const db = await startEmbeddedCosmos({ dataDir });
    await expect(startEmbeddedCosmos({ dataDir })).rejects.toThrow(/already open/);
    await db.close();
    await (await startEmbeddedCosmos({ dataDir })).close();
  });
});
