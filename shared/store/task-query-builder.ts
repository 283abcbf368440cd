import type { SqlParameter, SqlQuerySpec } from '@azure/cosmos';
import type { TaskScope } from '../domain/permissions.js';
import type { TaskFilter } from '../domain/task-filter.js';
import type { ListTasksQuery } from '../schemas/task-query.js';
import { SORT_FIELD_PATHS } from './container-definitions.js';

/**
 * Builds the WHERE clause for a task query. The caller's visibility scope is part of the query
 * itself, never a filter applied after reading, so nothing out of scope ever leaves the database.
 * Values always travel as parameters.
 */
export function buildTaskWhere(filter: TaskFilter, scope: TaskScope): { where: string; parameters: SqlParameter[] } {
  const clauses = ['c.deletedAt = null'];
  const parameters: SqlParameter[] = [];
  const param = (name: string, value: SqlParameter['value']): string => {
    parameters.push({ name: `@${name}`, value });
    return `@${name}`;
  };
  const oneOf = (field: string, values: readonly string[], prefix: string = field): string =>
    `c.${field} IN (${values.map((value, index) => param(`${prefix}${index}`, value)).join(', ')})`;

  if (scope.kind === 'scoped') {
    // An empty scope sees nothing; IN () is not valid SQL, so say so explicitly.
    clauses.push(scope.jurisdictions.length > 0 ? oneOf('jurisdiction', scope.jurisdictions, 'scopeJurisdiction') : 'false');
    if (scope.locations.length > 0) clauses.push(oneOf('locationId', scope.locations, 'scopeLocation'));
    if (scope.ownOrUnassignedFor) clauses.push(`(c.assignee = ${param('scopeUser', scope.ownOrUnassignedFor)} OR c.assignee = null)`);
  }
  if (filter.status) clauses.push(oneOf('status', filter.status));
  if (filter.priority) clauses.push(oneOf('priority', filter.priority));
  if (filter.jurisdiction) clauses.push(oneOf('jurisdiction', filter.jurisdiction));
  if (filter.assignee === 'unassigned') clauses.push('c.assignee = null');
  else if (filter.assignee !== undefined) clauses.push(`c.assignee = ${param('assignee', filter.assignee)}`);
  if (filter.caseId) clauses.push(`c.caseId = ${param('caseId', filter.caseId)}`);
  if (filter.locationId) clauses.push(`c.locationId = ${param('locationId', filter.locationId)}`);
  if (filter.dueAfter) clauses.push(`c.dueDate >= ${param('dueAfter', filter.dueAfter)}`);
  if (filter.dueBefore) clauses.push(`c.dueDate < ${param('dueBefore', filter.dueBefore)}`);
  if (filter.q) clauses.push(`CONTAINS(c.searchText, ${param('q', filter.q.toLowerCase())})`);
  if (filter.overdue !== undefined) clauses.push(`c.overdue = ${filter.overdue ? 'true' : 'false'}`);
  if (filter.dueBeforeAndUnflagged) {
    clauses.push(
      `c.status IN ('pending', 'in_progress')`,
      'c.overdue = false',
      `c.dueDate < ${param('now', filter.dueBeforeAndUnflagged)}`,
    );
  }
  return { where: clauses.join(' AND '), parameters };
}

export function buildTaskListQuery(
  filter: TaskFilter,
  scope: TaskScope,
  sort: ListTasksQuery['sort'],
  order: ListTasksQuery['order'],
): SqlQuerySpec {
  const { where, parameters } = buildTaskWhere(filter, scope);
  const direction = order === 'desc' ? 'DESC' : 'ASC';
  // The id tie-breaker makes the order total, so a cursor never skips or repeats a task.
  const orderBy = `c.${SORT_FIELD_PATHS[sort]} ${direction}, c.id ${direction}`;
  return { query: `SELECT * FROM c WHERE ${where} ORDER BY ${orderBy}`, parameters };
}

/** Ids and due dates of open tasks that have become overdue but are not flagged yet. */
export function buildOverdueScanQuery(now: string): SqlQuerySpec {
  const { where, parameters } = buildTaskWhere({ dueBeforeAndUnflagged: now }, { kind: 'all' });
  return { query: `SELECT c.id, c.dueDate FROM c WHERE ${where}`, parameters };
}

/** Tasks whose outbox still holds events, oldest first. Deleted tasks included: their last event is the deletion. */
/** Tasks whose oldest unpublished event is no newer than `notAfter` (an ISO-8601 UTC time), oldest first. */
export function buildOutboxQuery(notAfter: string): SqlQuerySpec {
  return {
    query: 'SELECT * FROM c WHERE c.outboxSince != null AND c.outboxSince <= @notAfter ORDER BY c.outboxSince ASC',
    parameters: [{ name: '@notAfter', value: notAfter }],
  };
}

/** How many tasks have unpublished events, and since when the oldest has waited. */
export const OUTBOX_BACKLOG_QUERIES = {
  count: 'SELECT VALUE COUNT(1) FROM c WHERE c.outboxSince != null',
  oldest: 'SELECT TOP 1 VALUE c.outboxSince FROM c WHERE c.outboxSince != null ORDER BY c.outboxSince ASC',
} as const;

export function buildTaskCountQuery(filter: TaskFilter, scope: TaskScope): SqlQuerySpec {
  const { where, parameters } = buildTaskWhere(filter, scope);
  return { query: `SELECT VALUE COUNT(1) FROM c WHERE ${where}`, parameters };
}
