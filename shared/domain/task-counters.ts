import { JURISDICTIONS, PRIORITIES, TASK_STATUSES, type Jurisdiction, type Priority, type TaskStatus } from '../schemas/task.js';
import type { TaskScope } from './permissions.js';
import type { TaskDocument } from './task-document.js';
import type { TaskFilter } from './task-filter.js';

/*
 * Maintained task counts: what GET /tasks/stats and the overdue backlog read instead of counting
 * tasks. Pure rules here; the documents live in the `counters` container (CounterRepository) and
 * are kept up to date from the task events by shared/use-cases/count-task-event.ts.
 *
 * Two kinds of document, in two containers:
 * - **Totals** (`counters`), one per jurisdiction and shard (`totals:<jurisdiction>:<shard>`, COUNTER_SHARDS per
 *   jurisdiction, a task's shard fixed by its id): count vectors per cell, a cell being a location
 *   and an assignee (or nobody). Every stats filter and every visibility scope is a set of cells,
 *   so any caller's counts are a sum over at most 7 × COUNTER_SHARDS documents, however many tasks
 *   there are. Their size grows with locations × assignees, not with tasks.
 * - **Case ledgers** (`case-counters`), one per case (id = the case reference): for each task of the case, the last event
 *   sequence counted and where the task is counted now. They make counting idempotent and order
 *   independent (an event older than the ledger's sequence changes nothing), carry the move to the
 *   totals until it is applied (`pending`, so a crash between the two writes is finished by the
 *   next delivery), and answer stats filtered by case (caseId is not a cell dimension).
 */

/** Totals documents per jurisdiction: spreads concurrent updates; stats read them all (7 × 4 = 28 at most). */
export const COUNTER_SHARDS = 4;

/** Where and how a task is counted: the fields stats scope, filter and count on. */
export interface CountedTask {
  jurisdiction: Jurisdiction;
  locationId: string;
  assignee: string | null;
  status: TaskStatus;
  priority: Priority;
  overdue: boolean;
}

/** Count vector slots: the four statuses, the four priorities, then overdue. */
const STATUS_SLOT = Object.fromEntries(TASK_STATUSES.map((status, index) => [status, index])) as Record<TaskStatus, number>;
const PRIORITY_SLOT = Object.fromEntries(PRIORITIES.map((priority, index) => [priority, TASK_STATUSES.length + index])) as Record<Priority, number>;
const OVERDUE_SLOT = TASK_STATUSES.length + PRIORITIES.length;
export const VECTOR_LENGTH = OVERDUE_SLOT + 1;

export interface TaskCounts {
  byStatus: Record<TaskStatus, number>;
  byPriority: Record<Priority, number>;
  overdue: number;
  total: number;
}

/** A move of one task between cells, recorded in its case ledger until the totals have it. */
export interface PendingMove {
  seq: number;
  from: CountedTask | null;
  to: CountedTask | null;
}

export interface LedgerEntry {
  /** The highest event sequence (= task version) counted for the task. */
  seq: number;
  /** Where the task is counted as of `seq`; null when it is deleted. */
  counted: CountedTask | null;
  /** Set while the move to `counted` may not have reached the totals document yet. */
  pending?: PendingMove;
}

export interface CaseLedgerDocument {
  id: string;
  kind: 'case';
  caseId: string;
  tasks: Record<string, LedgerEntry>;
  updatedAt: string;
}

export interface TotalsDocument {
  id: string;
  kind: 'totals';
  jurisdiction: Jurisdiction;
  shard: number;
  /** `<locationId>/<assignee or empty>` → count vector. Cells that fall to zero are removed. */
  cells: Record<string, number[]>;
  /**
   * Moves applied but not yet cleared from their ledger: task id → sequence. An entry lives only
   * between the two writes, so this stays as small as the number of moves in flight.
   */
  applied: Record<string, number>;
  updatedAt: string;
}

/** How a stored task (or an event's snapshot of one) is counted; null when it is not (deleted). */
export function countedTask(
  task: Pick<TaskDocument, 'jurisdiction' | 'locationId' | 'assignee' | 'status' | 'priority' | 'overdue' | 'deletedAt'> | null,
): CountedTask | null {
  if (!task || task.deletedAt !== null) return null;
  return {
    jurisdiction: task.jurisdiction,
    locationId: task.locationId,
    assignee: task.assignee,
    status: task.status,
    priority: task.priority,
    overdue: task.overdue,
  };
}

export function sameCounting(a: CountedTask | null, b: CountedTask | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.jurisdiction === b.jurisdiction &&
    a.locationId === b.locationId &&
    a.assignee === b.assignee &&
    a.status === b.status &&
    a.priority === b.priority &&
    a.overdue === b.overdue
  );
}

/** A task's shard: FNV-1a of its id, so it is the same in every process and never changes. */
export function shardOf(taskId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < taskId.length; i++) {
    hash ^= taskId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % COUNTER_SHARDS;
}

export const totalsId = (jurisdiction: Jurisdiction, shard: number): string => `totals:${jurisdiction}:${shard}`;
export const caseLedgerId = (caseId: string): string => caseId;
/** Every totals document there can be. */
export const ALL_TOTALS_IDS: readonly { id: string; jurisdiction: Jurisdiction; shard: number }[] = JURISDICTIONS.flatMap((jurisdiction) =>
  Array.from({ length: COUNTER_SHARDS }, (_, shard) => ({ id: totalsId(jurisdiction, shard), jurisdiction, shard })),
);

/** Location ids never hold '/', and a user id never is empty: the key splits back unambiguously. */
export const cellKey = (locationId: string, assignee: string | null): string => `${locationId}/${assignee ?? ''}`;

export function parseCellKey(key: string): { locationId: string; assignee: string | null } {
  const slash = key.indexOf('/');
  const assignee = key.slice(slash + 1);
  return { locationId: key.slice(0, slash), assignee: assignee === '' ? null : assignee };
}

export function newTotalsDocument(jurisdiction: Jurisdiction, shard: number, now: string): TotalsDocument {
  return { id: totalsId(jurisdiction, shard), kind: 'totals', jurisdiction, shard, cells: {}, applied: {}, updatedAt: now };
}

export function newCaseLedger(caseId: string, now: string): CaseLedgerDocument {
  return { id: caseLedgerId(caseId), kind: 'case', caseId, tasks: {}, updatedAt: now };
}

/** Adds (sign 1) or removes (sign -1) one task's contribution to its cell. */
export function addToCells(cells: Record<string, number[]>, task: CountedTask, sign: 1 | -1): void {
  const key = cellKey(task.locationId, task.assignee);
  const vector = cells[key] ?? new Array<number>(VECTOR_LENGTH).fill(0);
  vector[STATUS_SLOT[task.status]]! += sign;
  vector[PRIORITY_SLOT[task.priority]]! += sign;
  if (task.overdue) vector[OVERDUE_SLOT]! += sign;
  if (vector.every((value) => value === 0)) delete cells[key];
  else cells[key] = vector;
}

/** What an event means for its task's ledger entry. */
export type LedgerDecision =
  /** A move of this task is still pending: finish it first, then decide again. */
  | { kind: 'settle-pending'; pending: PendingMove }
  /** Already counted (a redelivery), or older than what is counted (out of order): nothing to do. */
  | { kind: 'already-counted' }
  /** Write this entry; if it carries a pending move, apply that move to the totals next. */
  | { kind: 'record'; entry: LedgerEntry };

/**
 * State-based, not delta-based: the entry records where the task is counted as of the highest
 * sequence seen, so redelivered events and events arriving out of order (a later one first) change the
 * counts exactly once, and a skipped intermediate event is harmless.
 */
export function decideLedger(entry: LedgerEntry | undefined, sequence: number, counted: CountedTask | null): LedgerDecision {
  if (entry?.pending) return { kind: 'settle-pending', pending: entry.pending };
  if (entry && entry.seq >= sequence) return { kind: 'already-counted' };
  const from = entry?.counted ?? null;
  // Even when nothing counted changes, the sequence must move on: an older event arriving later
  // (a move this one undid) must find itself superseded.
  if (sameCounting(from, counted)) return { kind: 'record', entry: { seq: sequence, counted } };
  return { kind: 'record', entry: { seq: sequence, counted, pending: { seq: sequence, from, to: counted } } };
}

/**
 * Applies a task's move to its totals document, unless the document already has it (a retry after
 * a crash, or a rebuild that counted it): returns false then. Marks it applied until the ledger
 * clears its pending move (see `applied`).
 */
export function applyMove(totals: TotalsDocument, taskId: string, move: PendingMove): boolean {
  if ((totals.applied[taskId] ?? 0) >= move.seq) return false;
  if (move.from) addToCells(totals.cells, move.from, -1);
  if (move.to) addToCells(totals.cells, move.to, 1);
  totals.applied[taskId] = move.seq;
  return true;
}

/** The filters stats take; `assignee` is already resolved (`me` → the caller's id). */
export type StatsFilter = Pick<TaskFilter, 'jurisdiction' | 'locationId' | 'assignee' | 'caseId'>;

/**
 * Whether tasks at this jurisdiction, location and assignee count for this caller and filter:
 * exactly the WHERE clause buildTaskWhere (shared/store/task-query-builder.ts) writes for the
 * same scope and filter, caseId aside (answered from the case ledger).
 */
export function countsToward(scope: TaskScope, filter: StatsFilter, at: { jurisdiction: string; locationId: string; assignee: string | null }): boolean {
  if (scope.kind === 'scoped') {
    if (!scope.jurisdictions.includes(at.jurisdiction)) return false;
    if (scope.locations.length > 0 && !scope.locations.includes(at.locationId)) return false;
    if (scope.ownOrUnassignedFor && at.assignee !== null && at.assignee !== scope.ownOrUnassignedFor) return false;
  }
  if (filter.jurisdiction && !filter.jurisdiction.includes(at.jurisdiction as Jurisdiction)) return false;
  if (filter.locationId !== undefined && filter.locationId !== at.locationId) return false;
  if (filter.assignee === 'unassigned') return at.assignee === null;
  if (filter.assignee !== undefined && filter.assignee !== at.assignee) return false;
  return true;
}

/** The jurisdictions whose totals a caller's stats need: the scope's, narrowed by the filter. */
export function jurisdictionsFor(scope: TaskScope, filter: StatsFilter): Jurisdiction[] {
  return JURISDICTIONS.filter(
    (jurisdiction) => (scope.kind === 'all' || scope.jurisdictions.includes(jurisdiction)) && (!filter.jurisdiction || filter.jurisdiction.includes(jurisdiction)),
  );
}

const zeroVector = (): number[] => new Array<number>(VECTOR_LENGTH).fill(0);

function addVector(sum: number[], vector: readonly number[]): void {
  for (let i = 0; i < VECTOR_LENGTH; i++) sum[i]! += vector[i] ?? 0;
}

function countsOf(vector: readonly number[]): TaskCounts {
  // Never below zero in the response, whatever a drifted document holds (reconciliation fixes it).
  const at = (slot: number) => Math.max(0, vector[slot] ?? 0);
  const byStatus = Object.fromEntries(TASK_STATUSES.map((status) => [status, at(STATUS_SLOT[status])])) as Record<TaskStatus, number>;
  const byPriority = Object.fromEntries(PRIORITIES.map((priority) => [priority, at(PRIORITY_SLOT[priority])])) as Record<Priority, number>;
  return { byStatus, byPriority, overdue: at(OVERDUE_SLOT), total: TASK_STATUSES.reduce((sum, status) => sum + byStatus[status], 0) };
}

export const emptyCounts = (): TaskCounts => countsOf(zeroVector());

/** A caller's counts from totals documents. */
export function countsFromTotals(documents: readonly Pick<TotalsDocument, 'jurisdiction' | 'cells'>[], scope: TaskScope, filter: StatsFilter): TaskCounts {
  const sum = zeroVector();
  for (const document of documents) {
    for (const [key, vector] of Object.entries(document.cells)) {
      if (countsToward(scope, filter, { jurisdiction: document.jurisdiction, ...parseCellKey(key) })) addVector(sum, vector);
    }
  }
  return countsOf(sum);
}

/** A caller's counts for one case, from its ledger. */
export function countsFromLedger(ledger: Pick<CaseLedgerDocument, 'tasks'> | undefined, scope: TaskScope, filter: StatsFilter): TaskCounts {
  const cells: Record<string, number[]> = {};
  for (const entry of Object.values(ledger?.tasks ?? {})) {
    if (entry.counted && countsToward(scope, filter, entry.counted)) addToCells(cells, entry.counted, 1);
  }
  return countsOf(Object.values(cells).reduce((sum, vector) => (addVector(sum, vector), sum), zeroVector()));
}

/** Flagged, open tasks per jurisdiction (the overdue backlog), from totals documents. */
export function overdueByJurisdiction(documents: readonly Pick<TotalsDocument, 'jurisdiction' | 'cells'>[]): Record<Jurisdiction, number> {
  const backlog = Object.fromEntries(JURISDICTIONS.map((jurisdiction) => [jurisdiction, 0])) as Record<Jurisdiction, number>;
  for (const document of documents) {
    for (const vector of Object.values(document.cells)) backlog[document.jurisdiction] += vector[OVERDUE_SLOT] ?? 0;
  }
  return backlog;
}

/** The fields of a stored task the counters read: where it is counted, its case and its version. */
export type CountingState = Pick<
  TaskDocument,
  'id' | 'caseId' | 'jurisdiction' | 'locationId' | 'assignee' | 'status' | 'priority' | 'overdue' | 'deletedAt' | 'version'
>;

/** The case ledgers a full count of these tasks gives: each task at its stored version, counted as stored. */
export function ledgersFromTasks(tasks: Iterable<CountingState>, now: string): CaseLedgerDocument[] {
  const ledgers = new Map<string, CaseLedgerDocument>();
  for (const task of tasks) {
    let ledger = ledgers.get(task.caseId);
    if (!ledger) ledgers.set(task.caseId, (ledger = newCaseLedger(task.caseId, now)));
    ledger.tasks[task.id] = { seq: task.version, counted: countedTask(task) };
  }
  return [...ledgers.values()];
}

/**
 * The totals a set of case ledgers add up to (a rebuild): every counted task in its cell, and a
 * move still pending in a ledger counted as done and marked applied, so that the delivery which
 * is finishing it finds it applied and does not apply it twice.
 */
export function totalsFromLedgers(ledgers: Iterable<Pick<CaseLedgerDocument, 'tasks'>>, now: string): Map<string, TotalsDocument> {
  const totals = new Map(ALL_TOTALS_IDS.map(({ id, jurisdiction, shard }) => [id, newTotalsDocument(jurisdiction, shard, now)]));
  for (const ledger of ledgers) {
    for (const [taskId, entry] of Object.entries(ledger.tasks)) {
      const jurisdiction = entry.counted?.jurisdiction ?? entry.pending?.from?.jurisdiction;
      if (!jurisdiction) continue;
      const document = totals.get(totalsId(jurisdiction, shardOf(taskId)))!;
      if (entry.counted) addToCells(document.cells, entry.counted, 1);
      if (entry.pending) document.applied[taskId] = entry.pending.seq;
    }
  }
  return totals;
}

/** Whether two sets of cells hold the same counts. */
export function sameCells(a: Record<string, number[]>, b: Record<string, number[]>): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const x = a[key] ?? zeroVector();
    const y = b[key] ?? zeroVector();
    for (let i = 0; i < VECTOR_LENGTH; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return false;
  }
  return true;
}
