import type { TaskScope } from '../domain/permissions.js';
import { countsFromLedger, countsFromTotals, emptyCounts, jurisdictionsFor, overdueByJurisdiction, type StatsFilter, type TaskCounts } from '../domain/task-counters.js';
import { JURISDICTIONS, type Jurisdiction } from '../schemas/task.js';
import type { Services } from '../services.js';

/**
 * The caller's task counts from the maintained counters, at a fixed cost whatever the number of
 * tasks: filtered by case, one point read of the case's ledger; otherwise one query for the
 * totals of the jurisdictions in scope (at most 7 × COUNTER_SHARDS small documents), summed over
 * the cells the scope and filters select. The counts follow the writes through the task events,
 * so they lag them by the delivery time (docs/data-model.md).
 */
export async function taskStats(deps: Pick<Services, 'counters'>, scope: TaskScope, filter: StatsFilter): Promise<TaskCounts> {
  if (filter.caseId !== undefined) return countsFromLedger((await deps.counters.getLedger(filter.caseId))?.document, scope, filter);
  const jurisdictions = jurisdictionsFor(scope, filter);
  if (jurisdictions.length === 0) return emptyCounts();
  return countsFromTotals(await deps.counters.totalsOf(jurisdictions), scope, filter);
}

/** Flagged (so open) tasks per jurisdiction, from the same totals: one query, however many tasks. */
export async function overdueBacklog(deps: Pick<Services, 'counters'>): Promise<Record<Jurisdiction, number>> {
  return overdueByJurisdiction(await deps.counters.totalsOf(JURISDICTIONS));
}
