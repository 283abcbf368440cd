/**
 * Drives crash-runner.mjs and checks a restarted database against what the
 * runner was told had succeeded.
 */
import type { Container } from '@azure/cosmos';
import { expect } from 'vitest';
import { spawnNode } from '../../support/child-process.js';
import { runnerPath } from './helpers.js';

type Doc = Record<string, unknown> & { id: string; pk: string; _etag: string };
type Event =
  | { ev: 'ready' | 'done' }
  | { ev: 'start'; w: number; id: string; op: string; body: unknown }
  | { ev: 'ack'; w: number; id: string; op: string; doc: Doc | null };

export interface WriterOptions {
  prefix?: string;
  workers?: number;
  maxOps?: number;
  fsync?: boolean;
  compactAfterBytes?: number;
  exit?: 'hang' | 'abandon' | 'close';
}

export interface WriterRun {
  events: Event[];
  acks: number;
  signal: NodeJS.Signals | null;
  code: number | null;
  stderr: string;
}

/**
 * Runs the writer; with `killAfterAcks` it is sent SIGKILL as soon as that
 * many acknowledgements have been read. Every line it managed to print is
 * returned, including those still in the pipe when it died.
 */
export async function runWriter(indexJs: string, dataDir: string, options: WriterOptions, killAfterAcks?: number): Promise<WriterRun> {
  const events: Event[] = [];
  let acks = 0;
  const writer = spawnNode({
    name: 'crash writer',
    script: runnerPath,
    args: [indexJs, dataDir, JSON.stringify(options)],
    onLine: (line) => {
      let event: Event;
      try {
        event = JSON.parse(line) as Event;
      } catch {
        return; // a line cut short by the kill: its write counts as not acknowledged
      }
      events.push(event);
      if (event.ev === 'ack') {
        acks += 1;
        if (killAfterAcks !== undefined && acks === killAfterAcks) writer.child.kill('SIGKILL');
      }
    },
  });
  // 'close', not 'exit': every line still in the pipe when it died has been read by then.
  const { code, signal } = await writer.closed;
  return { events, acks, stderr: writer.stderr(), code, signal };
}

interface Expectation {
  /** Last acknowledged state; null once deleted. */
  acked: Doc | null | undefined;
  /** An operation that was started but not acknowledged (at most one per document). */
  pending?: { op: string; body: unknown };
}

/** What each document must look like, from the runner's events. */
export function expectations(events: Event[]): Map<string, Expectation> {
  const docs = new Map<string, Expectation>();
  for (const event of events) {
    if (event.ev === 'start') {
      const entry = docs.get(event.id) ?? { acked: undefined };
      entry.pending = { op: event.op, body: event.body };
      docs.set(event.id, entry);
    } else if (event.ev === 'ack') {
      docs.set(event.id, { acked: event.op === 'delete' ? null : event.doc });
    }
  }
  return docs;
}

/**
 * Asserts that every acknowledged write is present exactly (content and
 * system properties: _etag, _ts, _rid, _self), deleted documents are absent,
 * an unacknowledged operation shows either its before or its after state,
 * and nothing else exists. Returns how many documents were checked strictly.
 */
export async function verify(container: Container, docs: Map<string, Expectation>): Promise<number> {
  const { resources: all } = await container.items.query<Doc>('SELECT * FROM c').fetchAll();
  const actual = new Map(all.map((doc) => [doc.id, doc]));
  for (const id of actual.keys()) expect(docs.has(id), `unexpected document ${id}`).toBe(true);
  let strict = 0;
  for (const [id, { acked, pending }] of docs) {
    const found = actual.get(id) ?? null;
    const before = acked ?? null;
    if (!pending) {
      strict += 1;
      expect(found, `document ${id}`).toEqual(before);
      continue;
    }
    const unchanged = found === null ? before === null : before !== null && found._etag === before._etag;
    if (unchanged) {
      expect(found, `document ${id} (before ${pending.op})`).toEqual(before);
      continue;
    }
    // Changed: it must be the result of the pending operation.
    switch (pending.op) {
      case 'create':
      case 'replace':
      case 'upsert':
        expect(found, `document ${id} (after ${pending.op})`).toMatchObject(pending.body as object);
        break;
      case 'patch':
        expect(found, `document ${id} (after patch)`).toMatchObject({ status: 'done', n: Number(before?.n) + 1 });
        break;
      case 'delete':
        expect(found, `document ${id} (after delete)`).toBeNull();
        break;
      default:
        throw new Error(`document ${id}: unknown pending operation ${pending.op}`);
    }
  }
  return strict;
}
