import type { Database } from '@azure/cosmos';
import { CONTAINERS } from '../config/entities.js';
import type { TaskScope } from '../domain/permissions.js';
import { withCosmosErrors } from './cosmos-errors.js';
import { buildTaskWhere, type TaskFilter } from './task-query-builder.js';

/**
 * The ids of the tasks matching a filter within a scope, following continuation tokens, at most
 * `max`. The scope goes into the query through the same builder as every list, so a bulk
 * operation can never pick up a task its requester could not see.
 */
export async function findTaskIds(database: Database, filter: TaskFilter, scope: TaskScope, max: number): Promise<string[]> {
  const { where, parameters } = buildTaskWhere(filter, scope);
  const container = database.container(CONTAINERS.tasks.name);
  return withCosmosErrors(async () => {
    const iterator = container.items.query<string>({ query: `SELECT VALUE c.id FROM c WHERE ${where}`, parameters }, { maxItemCount: 500 });
    const ids: string[] = [];
    while (ids.length < max && iterator.hasMoreResults()) ids.push(...(await iterator.fetchNext()).resources);
    return ids.slice(0, max);
  });
}
