import type { Database } from '@azure/cosmos';
import { CONTAINERS } from '../config/entities.js';
import type { TaskScope } from '../domain/permissions.js';
import type { DigestTask } from '../domain/notification-rules.js';
import { withCosmosErrors } from './cosmos-errors.js';
import { buildTaskWhere } from './task-query-builder.js';

/**
 * Open tasks in a scope that were flagged overdue within [from, to), by due date: what a manager's
 * daily digest lists. The scope is part of the query, as for every task query.
 */
export async function newlyOverdueTasks(database: Database, scope: TaskScope, window: { from: string; to: string }, max: number): Promise<DigestTask[]> {
  const { where, parameters } = buildTaskWhere({ overdue: true, status: ['pending', 'in_progress'] }, scope);
  const query = {
    query: `SELECT c.id, c.title, c.dueDate FROM c WHERE ${where} AND c.overdueSince >= @digestFrom AND c.overdueSince < @digestTo ORDER BY c.dueDate ASC, c.id ASC`,
    parameters: [...parameters, { name: '@digestFrom', value: window.from }, { name: '@digestTo', value: window.to }],
  };
  return withCosmosErrors(async () => {
    const found: DigestTask[] = [];
    const iterator = database.container(CONTAINERS.tasks.name).items.query<DigestTask>(query, { maxItemCount: 200 });
    while (found.length < max && iterator.hasMoreResults()) {
      const { resources } = await iterator.fetchNext();
      found.push(...resources);
    }
    return found.slice(0, max);
  });
}
