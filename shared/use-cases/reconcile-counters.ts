import {
  countedTask,
  newCaseLedger,
  sameCells,
  sameCounting,
  totalsFromLedgers,
  type CaseLedgerDocument,
  type CountedTask,
  type TotalsDocument,
} from '../domain/task-counters.js';
import type { Services } from '../services.js';
import type { StoredCounter } from '../store/counter-repository.js';
import { settleMove } from './count-task-event.js';

const ATTEMPTS = 5;
/** Cases brought up to date at once: enough to overlap round trips, few enough to leave room for requests. */
const PARALLEL_CASES = 16;

export interface ReconcileOutcome {
  /** Tasks read (the full count). */
  tasks: number;
  /** Tasks counted otherwise than stored (an event not counted yet, or lost), whose ledger entry was set to the task as stored. */
  tasksCaughtUp: number;
  /** Cases whose ledger kept changing under the reconciliation and was left to the next run. */
  casesLeft: number;
  /** Totals documents whose counts differed from their ledgers' sum and were rewritten. */
  totalsCorrected: number;
  /** Totals documents that could not be rewritten because consumers kept changing them (the next run retries). */
  totalsLeft: number;
}

/**
 * Brings the counters back in line with a full count of the tasks, whatever went wrong (events
 * dead-lettered and never replayed, tasks written straight into the database, a bug). Safe while
 * events are being counted; it never stops the consumer.
 *
 * 1. **Ledgers from the tasks.** Every task is read (id, case, the counted fields, version); a
 *    ledger entry behind the task's version is set to the task as stored (`tasksCaughtUp` counts
 *    those that counted it otherwise). A later event of the task is counted from there; an
 *    earlier one is now a duplicate. An entry with a move pending
 *    has that move finished first, exactly as a delivery would.
 * 2. **Totals from the ledgers.** Every totals document is read first, then every ledger; each
 *    totals document is rewritten as the sum of its tasks' ledger entries, conditioned on the
 *    version read first. A move still pending in a ledger is counted as done and marked applied,
 *    so the delivery finishing it skips it; any consumer write to a totals document after it was
 *    read makes the conditioned write fail, and that document is done again from fresh reads.
 *
 * Cost: one pass over the tasks and two over the ledgers (page by page), and writes only where
 * something differs. Run daily by the `task-counters-reconcile` timer, or by hand.
 */
export async function reconcileCounters(deps: Pick<Services, 'tasks' | 'counters' | 'now'>): Promise<ReconcileOutcome> {
  const now = () => deps.now().toISOString();

  // 1. The ledgers catch up with the tasks.
  const byCase = new Map<string, Map<string, { version: number; counted: CountedTask | null }>>();
  let tasks = 0;
  for await (const page of deps.tasks.countingStates()) {
    for (const task of page) {
      tasks += 1;
      let ofCase = byCase.get(task.caseId);
      if (!ofCase) byCase.set(task.caseId, (ofCase = new Map()));
      ofCase.set(task.id, { version: task.version, counted: countedTask(task) });
    }
  }
  const ledgers = new Map<string, StoredCounter<CaseLedgerDocument>>();
  for await (const page of deps.counters.allLedgers()) for (const ledger of page) ledgers.set(ledger.document.caseId, ledger);

  let tasksCaughtUp = 0;
  let casesLeft = 0;
  const catchUp = async (caseId: string, states: Map<string, { version: number; counted: CountedTask | null }>) => {
    let stored = ledgers.get(caseId);
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      if (attempt > 1) stored = await deps.counters.getLedger(caseId);
      const ledger = stored ? structuredClone(stored.document) : newCaseLedger(caseId, now());
      // Behind, even if counted the same: a late, older event must find itself superseded.
      const behind = [...states].filter(([taskId, state]) => (ledger.tasks[taskId]?.seq ?? 0) < state.version);
      if (behind.length === 0) return;
      const pending = behind.filter(([taskId]) => ledger.tasks[taskId]?.pending);
      if (pending.length > 0) {
        for (const [taskId] of pending) await settleMove(deps, caseId, taskId, ledger.tasks[taskId]!.pending!, stored);
        continue;
      }
      const differing = behind.filter(([taskId, state]) => !sameCounting(ledger.tasks[taskId]?.counted ?? null, state.counted)).length;
      for (const [taskId, state] of behind) ledger.tasks[taskId] = { seq: state.version, counted: state.counted };
      ledger.updatedAt = now();
      if (await deps.counters.putLedger(ledger, stored)) {
        tasksCaughtUp += differing;
        return;
      }
    }
    casesLeft += 1;
  };
  const queue = [...byCase];
  await Promise.all(
    Array.from({ length: PARALLEL_CASES }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await catchUp(...next);
    }),
  );

  // 2. The totals are rewritten as the sum of the ledgers, each conditioned on the version read
  // before the ledgers were.
  let todo: Set<string> | undefined;
  let totalsCorrected = 0;
  for (let attempt = 1; attempt <= ATTEMPTS && (todo === undefined || todo.size > 0); attempt++) {
    const current = new Map((await deps.counters.allTotals()).map((totals) => [totals.document.id, totals]));
    const all: CaseLedgerDocument[] = [];
    for await (const page of deps.counters.allLedgers()) all.push(...page.map((ledger) => ledger.document));
    const rebuilt = totalsFromLedgers(all, now());
    todo ??= new Set(rebuilt.keys());
    for (const id of [...todo]) {
      const target = rebuilt.get(id)!;
      const existing = current.get(id);
      if (existing && sameCells(existing.document.cells, target.cells) && sameMarks(existing.document, target)) {
        todo.delete(id);
        continue;
      }
      if (!existing && Object.keys(target.cells).length === 0 && Object.keys(target.applied).length === 0) {
        todo.delete(id);
        continue;
      }
      if (await deps.counters.putTotals(target, existing)) {
        if (!existing || !sameCells(existing.document.cells, target.cells)) totalsCorrected += 1;
        todo.delete(id);
      }
    }
  }
  return { tasks, tasksCaughtUp, casesLeft, totalsCorrected, totalsLeft: todo?.size ?? 0 };
}

function sameMarks(a: TotalsDocument, b: TotalsDocument): boolean {
  const keys = new Set([...Object.keys(a.applied), ...Object.keys(b.applied)]);
  return [...keys].every((key) => a.applied[key] === b.applied[key]);
}
