/**
 * The append-only journal: one line per unit of changes, appended and synced
 * before any response that depends on it is sent.
 *
 * Group commit: while one write + fdatasync is in flight, units sealed by other
 * requests queue up and go out together in the next write, so concurrent
 * writers share the cost of a sync instead of paying one each.
 */
import { closeSync, fdatasync, fdatasyncSync, ftruncateSync, openSync, readFileSync, write } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { fsyncDir } from './fsutil.js';
import { decodeUnit, type Unit } from './records.js';

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);

export interface JournalEntry {
  unit: Unit;
  /** Byte offset just past this unit's line. */
  end: number;
}

export interface JournalContents {
  entries: JournalEntry[];
  /** Size of the file; bytes past the last entry's end could not be read. */
  size: number;
  /** Why reading stopped before the end of the file, if it did. */
  problem?: string;
}

/**
 * Reads every complete, well-formed line up to the first one that is not.
 * Only the tail can be damaged by a crash (everything acknowledged was synced
 * before the response), so everything from that point on is unacknowledged
 * and is reported rather than replayed.
 */
export function readJournal(file: string): JournalContents {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], size: 0 };
    throw err;
  }
  const entries: JournalEntry[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const newline = bytes.indexOf(0x0a, offset);
    if (newline === -1) {
      return { entries, size: bytes.length, problem: `torn last line at byte ${offset} (no newline)` };
    }
    const unit = decodeUnit(bytes.toString('utf8', offset, newline));
    if (!unit) return { entries, size: bytes.length, problem: `unreadable line at byte ${offset}` };
    offset = newline + 1;
    entries.push({ unit, end: offset });
  }
  return { entries, size: bytes.length };
}

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

export interface JournalWriterOptions {
  /** fdatasync after each group write (survives power loss, not just a process crash). */
  sync: boolean;
  /** Called when nothing is queued or in flight; the place to compact. */
  onIdle?: () => void;
}

export class JournalWriter {
  private readonly fd: number;
  private queued: { seq: number; line: string }[] = [];
  private durableSeq: number;
  private waiters: Waiter[] = [];
  /** The write loop, while one is active (set synchronously, unlike `running`). */
  private active = false;
  private running: Promise<void> | undefined;
  private failure: Error | undefined;
  private closed = false;
  /** Bytes in the file; drives compaction. */
  size: number;

  constructor(
    file: string,
    size: number,
    lastSeq: number,
    private readonly options: JournalWriterOptions,
  ) {
    // 'a': every write goes to the end of the file, also after truncate(0).
    this.fd = openSync(file, 'a');
    // The file may have just been created; its directory entry must be durable too.
    if (options.sync) fsyncDir(dirname(file));
    this.size = size;
    this.durableSeq = lastSeq;
  }

  append(seq: number, line: string): void {
    if (this.closed) throw new Error('journal is closed');
    this.queued.push({ seq, line });
    if (!this.active) {
      // The flag is set before run() starts because run() may call onIdle,
      // which may append again before `running` is assigned.
      this.active = true;
      this.running = this.run();
    }
  }

  /**
   * Resolves once unit `seq` (and every unit before it) is on disk; returns
   * undefined when that is already so, to spare reads an await.
   */
  whenDurable(seq: number): Promise<void> | undefined {
    if (this.failure) return Promise.reject(this.failure);
    if (seq <= this.durableSeq) return undefined;
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  /** Waits until everything appended so far is on disk (or the journal failed). */
  async drain(): Promise<void> {
    while (this.running) await this.running;
    if (this.failure) throw this.failure;
  }

  /**
   * Empties the journal after a snapshot that contains every unit up to
   * `coveredSeq`. Only safe when nothing is in flight (from onIdle, or after
   * drain), which is why it is synchronous.
   */
  reset(coveredSeq: number): void {
    ftruncateSync(this.fd, 0);
    if (this.options.sync) fdatasyncSync(this.fd);
    this.size = 0;
    this.queued = this.queued.filter((entry) => entry.seq > coveredSeq);
    this.markDurable(coveredSeq);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        if (this.queued.length === 0) this.options.onIdle?.();
        const batch = this.queued;
        if (batch.length === 0) break;
        this.queued = [];
        const bytes = Buffer.from(batch.map((entry) => entry.line).join(''), 'utf8');
        await writeFully(this.fd, bytes);
        if (this.options.sync) await fdatasyncAsync(this.fd);
        this.size += bytes.length;
        this.markDurable(batch[batch.length - 1]!.seq);
      }
    } catch (err) {
      // Fail-stop: memory may now hold changes the disk does not, so no
      // further response may claim durability.
      this.failure = err instanceof Error ? err : new Error(String(err));
      for (const waiter of this.waiters) waiter.reject(this.failure);
      this.waiters = [];
    } finally {
      this.active = false;
      this.running = undefined;
    }
  }

  private markDurable(seq: number): void {
    if (seq <= this.durableSeq) return;
    this.durableSeq = seq;
    const still: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.seq <= seq) waiter.resolve();
      else still.push(waiter);
    }
    this.waiters = still;
  }
}

async function writeFully(fd: number, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await writeAsync(fd, bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}
