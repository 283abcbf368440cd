/**
 * Persistence for one data folder: loads snapshot + journal at start, records
 * every change, holds responses until their changes are on disk, compacts.
 *
 * Files in the data folder:
 *   snapshot.jsonl   whole state as of journal unit `s` (see snapshot.ts)
 *   journal.jsonl    units after the snapshot (see journal.ts)
 *   LOCK             pid of the owning process (see lock.ts)
 *   journal.discarded-*.jsonl  unreadable journal tails, kept for inspection
 */
import { copyFileSync, mkdirSync, openSync, closeSync, ftruncateSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';
import { JournalWriter, readJournal } from './journal.js';
import { lockDataDir, type DirLock } from './lock.js';
import type { Op } from './records.js';
import { Recorder } from './recorder.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';
import { AccountState } from './state.js';
import type { Account, CollectionItem, ItemObject, Items } from './upstream.js';

export const JOURNAL_FILE = 'journal.jsonl';

export interface StoreOptions {
  dataDir: string;
  /** fdatasync the journal before acknowledging (default true). */
  fsync: boolean;
  /** Compact once the journal exceeds this, or the last snapshot's size if larger. */
  compactAfterBytes: number;
  log: (message: string) => void;
}

/** What is on disk, read before the server listens so a bad folder fails early. */
export interface Loaded {
  options: StoreOptions;
  lock: DirLock;
  /** Snapshot ops followed by the journal's ops after it, in order. */
  ops: Op[];
  lastSeq: number;
  journalSize: number;
  snapshotSize: number;
  snapshotSeq: number;
}

export function loadDataDir(options: StoreOptions): Loaded {
  const { dataDir, log } = options;
  mkdirSync(dataDir, { recursive: true });
  const lock = lockDataDir(dataDir);
  try {
    const snapshot = readSnapshot(dataDir);
    const file = join(dataDir, JOURNAL_FILE);
    const journal = readJournal(file);
    const ops = snapshot.ops;
    let lastSeq = snapshot.seq;
    let validEnd = 0;
    let problem = journal.problem;
    for (const { unit, end } of journal.entries) {
      // Units already in the snapshot: the crash came between writing the
      // snapshot and emptying the journal.
      if (unit.s <= snapshot.seq) {
        validEnd = end;
        continue;
      }
      if (unit.s !== lastSeq + 1) {
        problem = `unit ${unit.s} follows unit ${lastSeq}`;
        break;
      }
      for (const op of unit.ops) ops.push(op);
      lastSeq = unit.s;
      validEnd = end;
    }
    if (validEnd < journal.size) {
      // Everything acknowledged was synced before its response, so what we
      // cannot read was never acknowledged. Keep a copy, then cut it off so
      // new units are not appended after garbage.
      const kept = join(dataDir, `journal.discarded-${new Date().toISOString().replace(/[:.]/g, '-')}.jsonl`);
      copyFileSync(file, kept);
      truncateFile(file, validEnd);
      log(`embedded cosmos: ignored ${journal.size - validEnd} journal bytes (${problem}); copy in ${kept}`);
    }
    return { options, lock, ops, lastSeq, journalSize: validEnd, snapshotSize: snapshot.size, snapshotSeq: snapshot.seq };
  } catch (err) {
    lock.release();
    throw err;
  }
}

export class Store {
  readonly account: Account;
  private readonly state: AccountState;
  private readonly recorder: Recorder;
  private readonly journal: JournalWriter;
  private readonly options: StoreOptions;
  private readonly lock: DirLock;
  private compactAt: number;
  private snapshotSeq: number;
  private closed = false;

  /** Builds the account from what was loaded; call once the server's address is known. */
  constructor(loaded: Loaded, host: string, port: number) {
    const { options } = loaded;
    this.options = options;
    this.lock = loaded.lock;
    this.state = new AccountState(host, port, (op) => this.recorder.record(op));
    this.state.replay(loaded.ops);
    this.account = this.state.account;
    this.compactAt = Math.max(options.compactAfterBytes, loaded.snapshotSize);
    this.snapshotSeq = loaded.snapshotSeq;
    this.journal = new JournalWriter(join(options.dataDir, JOURNAL_FILE), loaded.journalSize, loaded.lastSeq, {
      sync: options.fsync,
      onIdle: () => this.compactIfDue(),
    });
    this.recorder = new Recorder(loaded.lastSeq, (seq, line) => this.journal.append(seq, line));
  }

  /**
   * Every response waits here, so none leaves before the changes it may
   * reflect are durable: a write's own changes, and for a read the changes of
   * other requests it could have seen. Undefined when nothing is pending.
   */
  barrier(): Promise<void> | undefined {
    return this.journal.whenDurable(this.recorder.seal());
  }

  /**
   * Creates documents straight in the in-memory account, without HTTP: the upstream create (ids
   * unique, _rid, _etag, _ts as for a POST), recorded and journaled like any other write. For
   * loading large data sets into a test or benchmark database quickly; the app never uses it.
   */
  async importDocuments(databaseId: string, containerId: string, documents: readonly Record<string, unknown>[], chunk = 2000): Promise<number> {
    const byId = <I extends ItemObject>(items: Items<I>, id: string): I | undefined => [...items._data.values()].find((item) => item.read()?.id === id);
    const database = byId(this.account.databases, databaseId);
    const collection: CollectionItem | undefined = database && byId(database.collections, containerId);
    if (!collection) throw new Error(`embedded cosmos: no container ${databaseId}/${containerId}`);
    for (let i = 0; i < documents.length; i += chunk) {
      for (const document of documents.slice(i, i + chunk)) collection.documents.create(document);
      // One journal unit per chunk; let requests in between.
      await this.barrier();
      await new Promise((resolve) => setImmediate(resolve));
    }
    return documents.length;
  }

  /** Flushes, writes a final snapshot, empties the journal and releases the folder. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      this.recorder.seal();
      await this.journal.drain();
      this.compact();
    } finally {
      this.journal.close();
      this.lock.release();
    }
  }

  private compactIfDue(): void {
    if (this.closed || this.journal.size < this.compactAt) return;
    try {
      this.compact();
    } catch (err) {
      // The journal is intact, so nothing is lost; back off and carry on.
      this.compactAt = this.journal.size * 2;
      this.options.log(`embedded cosmos: compaction failed, will retry later: ${String(err)}`);
    }
  }

  /** Synchronous so that no change can slip in between the dump and the reset. */
  private compact(): void {
    const seq = this.recorder.seal();
    if (seq === this.snapshotSeq && this.journal.size === 0) return;
    const size = writeSnapshot(this.options.dataDir, seq, this.state.dump());
    this.journal.reset(seq);
    this.snapshotSeq = seq;
    // Snapshot cost grows with the data; letting the journal grow as large
    // keeps total compaction work linear in the number of writes.
    this.compactAt = Math.max(this.options.compactAfterBytes, size);
  }
}

function truncateFile(file: string, length: number): void {
  const fd = openSync(file, 'r+');
  try {
    ftruncateSync(fd, length);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
