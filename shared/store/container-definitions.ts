import type { ContainerDefinition, IndexingPolicy } from '@azure/cosmos';
import { CONTAINERS } from '../config/entities.js';
import { TASK_SORT_FIELDS } from '../schemas/task-query.js';

/** The document field each API sort key orders by. */
export const SORT_FIELD_PATHS: Readonly<Record<(typeof TASK_SORT_FIELDS)[number], string>> = {
  dueDate: 'dueDate',
  priority: 'priorityRank',
  createdAt: 'createdAt',
  updatedAt: 'updatedAt',
};

/**
 * Tasks: every list query orders by a sort field then by id (a unique tie-breaker keeps cursor
 * paging stable when many tasks share a due date). Cosmos needs a composite index for each such
 * two-field ORDER BY, in each direction. Free text (`searchText`, `description`) is excluded
 * from the range index: it is only scanned by CONTAINS and indexing it would cost RU on
 * every write. See docs/data-model.md for the reasoning.
 */
export const TASKS_INDEXING_POLICY: IndexingPolicy = {
  indexingMode: 'consistent',
  automatic: true,
  includedPaths: [{ path: '/*' }],
  excludedPaths: [{ path: '/description/?' }, { path: '/"_etag"/?' }],
  compositeIndexes: Object.values(SORT_FIELD_PATHS).flatMap((field) =>
    (['ascending', 'descending'] as const).map((order) => [
      { path: `/${field}`, order },
      { path: '/id', order },
    ]),
  ),
};

/** Container definitions the local host creates and Bicep provisions (tests/infra compares them). */
export const CONTAINER_DEFINITIONS: readonly ContainerDefinition[] = [
  {
    id: CONTAINERS.tasks.name,
    partitionKey: { paths: [CONTAINERS.tasks.partitionKeyPath] },
    indexingPolicy: TASKS_INDEXING_POLICY,
  },
];
