import {
  applyMove,
  countedTask,
  decideLedger,
  newCaseLedger,
  newTotalsDocument,
  shardOf,
  totalsId,
  type CaseLedgerDocument,
  type PendingMove,
  type TotalsDocument,
} from '../domain/task-counters.js';
import { eventHash } from '../domain/event-hash.js';
import { PoisonMessageError } from '../errors/poison-message-error.js';
import type { TaskEvent } from '../schemas/event.js';
import type { Services } from '../services.js';
import type { StoredCounter } from '../store/counter-repository.js';

/** Conditioned writes lost to concurrent ones before giving up (the message is then retried). */
const ATTEMPTS = 20;

export type CountOutcome =
  /** The task moved between cells: its ledger and its totals document changed. */
  | 'counted'
  /** Nothing stats count changed (a title edit, say): only the ledger's sequence moved on. */
  | 'recorded'
  /** Already counted, or older than what is counted: a redelivery or an out-of-order event. */
  | 'duplicate';

export type CounterDeps = Pick<Services, 'counters' | 'now'>;

/**
 * Counts one task event (the `counters` subscription of task-events). Exactly once per task
 * version, whatever Service Bus does:
 *
 * 1. The case ledger records, in one conditioned write, the event's sequence, where the task is
 *    counted now, and the move from where it was counted (`pending`). A sequence at or below the
 *    ledger's is not counted again (redelivery, relay re-publish, dead-letter replay), and a later
 *    event seen first makes an earlier one moot: counting is by state, not by delta.
 * 2. The move is applied to the task's totals document in one conditioned write that also marks
 *    it applied (`applied[taskId] = sequence`).
 * 3. The ledger's pending move is cleared, then 4. the mark is removed.
 *
 * A crash anywhere leaves a pending move in the ledger; the next delivery of this or any later
 * event of the task finishes it first (steps 2-4), and step 2 skips a move already marked, so no
 * move is lost or applied twice. Every write is conditioned on the version read; a lost race
 * re-reads and decides again.
 */
export async function countTaskEvent(deps: CounterDeps, event: TaskEvent): Promise<CountOutcome> {
  // As the audit writer: an event that does not match its hash was altered, and would count wrong.
  if (eventHash(event) !== event.hash) throw new PoisonMessageError(`event ${event.id} does not match its hash`);
  const counted = countedTask(event.after);
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    const stored = await deps.counters.getLedger(event.caseId);
    const ledger = stored?.document ?? newCaseLedger(event.caseId, deps.now().toISOString());
    const decision = decideLedger(ledger.tasks[event.taskId], event.sequence, counted);
    if (decision.kind === 'already-counted') return 'duplicate';
    if (decision.kind === 'settle-pending') {
      await settleMove(deps, event.caseId, event.taskId, decision.pending, stored);
      continue;
    }
    const next: CaseLedgerDocument = { ...ledger, tasks: { ...ledger.tasks, [event.taskId]: decision.entry }, updatedAt: deps.now().toISOString() };
    const written = await deps.counters.putLedger(next, stored);
    if (!written) continue;
    if (!decision.entry.pending) return 'recorded';
    await settleMove(deps, event.caseId, event.taskId, decision.entry.pending, written);
    return 'counted';
  }
  throw new Error(`The counters of case ${event.caseId} kept changing under task ${event.taskId}; the event will be retried.`);
}

/**
 * Steps 2-4 for a move recorded in a ledger: apply it to the totals unless already marked there,
 * clear it from the ledger, remove the mark. Each step re-reads only when its write lost a race.
 * `ledger`: the ledger as last read or written, if the caller has it.
 */
export async function settleMove(
  deps: CounterDeps,
  caseId: string,
  taskId: string,
  move: PendingMove,
  ledger?: StoredCounter<CaseLedgerDocument>,
): Promise<void> {
  const jurisdiction = (move.to ?? move.from)?.jurisdiction;
  if (!jurisdiction) return;
  const shard = shardOf(taskId);
  const id = totalsId(jurisdiction, shard);
  const now = () => deps.now().toISOString();

  // 2. Apply, unless already applied.
  let totals: StoredCounter<TotalsDocument> | undefined;
  for (let attempt = 1; ; attempt++) {
    const stored = await deps.counters.getTotals(id);
    const next = stored ? structuredClone(stored.document) : newTotalsDocument(jurisdiction, shard, now());
    if (!applyMove(next, taskId, move)) {
      totals = stored;
      break;
    }
    next.updatedAt = now();
    totals = await deps.counters.putTotals(next, stored);
    if (totals) break;
    if (attempt >= ATTEMPTS) throw new Error(`The totals ${id} kept changing; the move of task ${taskId} will be retried.`);
  }

  // 3. Clear the move from the ledger (if it is still this one: a later event may have settled it).
  let current = ledger;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    current ??= await deps.counters.getLedger(caseId);
    const entry = current?.document.tasks[taskId];
    if (!current || entry?.pending?.seq !== move.seq) break;
    const { pending: _settled, ...settled } = entry;
    const next: CaseLedgerDocument = { ...current.document, tasks: { ...current.document.tasks, [taskId]: settled }, updatedAt: now() };
    if (await deps.counters.putLedger(next, current)) break;
    current = undefined;
  }

  // 4. Remove the mark (if it is still this move's).
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    totals ??= await deps.counters.getTotals(id);
    if (!totals || totals.document.applied[taskId] !== move.seq) break;
    const next = structuredClone(totals.document);
    delete next.applied[taskId];
    next.updatedAt = now();
    if (await deps.counters.putTotals(next, totals)) break;
    totals = undefined;
  }
}
