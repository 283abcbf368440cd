/**
 * The snapshot: the whole state as a list of ops, written atomically.
 *
 * Format (JSON lines): a header {"v":1,"s":seq} naming the last journal unit
 * it contains, one op per line, and a trailer {"end":count}. It is written to
 * a temp file, synced, and renamed over the previous one, so a reader sees
 * either the old or the new snapshot, never a mix.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isOp, type Op } from './records.js';
import { fsyncDir, writeAllSync } from './fsutil.js';

export const SNAPSHOT_FILE = 'snapshot.jsonl';
const TEMP_FILE = `${SNAPSHOT_FILE}.tmp`;
const VERSION = 1;
/** Buffer this much before each write, to keep syscalls few and memory flat. */
const CHUNK = 1 << 20;

export interface Snapshot {
  seq: number;
  ops: Op[];
}

/** Writes the snapshot; returns its size in bytes. Synchronous on purpose: the state must not change while it is read. */
export function writeSnapshot(dir: string, seq: number, ops: Iterable<Op>): number {
  const temp = join(dir, TEMP_FILE);
  const fd = openSync(temp, 'w');
  let size = 0;
  try {
    let chunk: string[] = [];
    let chunkLength = 0;
    const flush = (): void => {
      const bytes = Buffer.from(chunk.join(''), 'utf8');
      writeAllSync(fd, bytes);
      size += bytes.length;
      chunk = [];
      chunkLength = 0;
    };
    const put = (line: string): void => {
      chunk.push(line);
      chunkLength += line.length;
      if (chunkLength >= CHUNK) flush();
    };
    put(`${JSON.stringify({ v: VERSION, s: seq })}\n`);
    let count = 0;
    for (const op of ops) {
      put(`${JSON.stringify(op)}\n`);
      count += 1;
    }
    put(`${JSON.stringify({ end: count })}\n`);
    flush();
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, join(dir, SNAPSHOT_FILE));
  fsyncDir(dir);
  return size;
}

/**
 * Reads the snapshot, or an empty state when there is none. A damaged
 * snapshot is an error, never "empty": starting empty would let the next
 * compaction overwrite the only copy of the data.
 */
export function readSnapshot(dir: string): Snapshot & { size: number } {
  // A temp file is a compaction that never finished; the previous snapshot stands.
  rmSync(join(dir, TEMP_FILE), { force: true });
  const file = join(dir, SNAPSHOT_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { seq: 0, ops: [], size: 0 };
    throw err;
  }
  const fail = (why: string): never => {
    throw new Error(`embedded cosmos: snapshot ${file} is damaged (${why}); refusing to start without it`);
  };
  const lines = text.split('\n');
  if (lines.pop() !== '') fail('no final newline');
  const header = parse(lines.shift(), fail) as { v?: unknown; s?: unknown };
  if (header.v !== VERSION || !Number.isSafeInteger(header.s)) fail('bad header');
  const trailer = parse(lines.pop(), fail) as { end?: unknown };
  if (trailer.end !== lines.length) fail('op count does not match the trailer');
  const ops = lines.map((line, i) => {
    const op = parse(line, fail);
    return isOp(op) ? op : fail(`bad op on line ${i + 2}`);
  });
  return { seq: header.s as number, ops, size: Buffer.byteLength(text) };
}

function parse(line: string | undefined, fail: (why: string) => never): unknown {
  if (line === undefined) return fail('truncated');
  try {
    return JSON.parse(line);
  } catch {
    return fail('unparseable line');
  }
}
