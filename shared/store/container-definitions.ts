import type { ContainerDefinition, IndexingPolicy } from '@azure/cosmos';
import { CONTAINERS, IDEMPOTENCY_RETENTION_SECONDS } from '../config/entities.js';
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
 * two-field ORDER BY, in each direction. `description` is never filtered on directly (search
 * goes through `searchText`, whose index CONTAINS scans), so it is not indexed; nor is the
 * outbox, which is only read with its task. See docs/data-model.md for the reasoning.
 */
export const TASKS_INDEXING_POLICY: IndexingPolicy = {
  indexingMode: 'consistent',
  automatic: true,
  includedPaths: [{ path: '/*' }],
  // The outbox holds whole events; it is only ever read with its task, never filtered on.
  // Pending note writes hold whole notes, only read with their task (the sweep finds them by noteWritesSince).
  excludedPaths: [{ path: '/description/?' }, { path: '/pendingEvents/*' }, { path: '/noteWrites/*' }, { path: '/"_etag"/?' }],
  compositeIndexes: [
    ...Object.values(SORT_FIELD_PATHS).flatMap((field) =>
      (['ascending', 'descending'] as const).map((order) => [
        { path: `/${field}`, order },
        { path: '/id', order },
      ]),
    ),
    // The overdue scan: equality on overdue and status, range on dueDate (equality paths first).
    [
      { path: '/overdue', order: 'ascending' },
      { path: '/status', order: 'ascending' },
      { path: '/dueDate', order: 'ascending' },
    ],
  ],
};

/**
 * Audit records are read one task at a time, ordered by sequence, so only those paths (and a few
 * for operational queries) are indexed; the before/after snapshots are never filtered on, and not
 * indexing them keeps each audit write cheap.
 */
export const AUDIT_INDEXING_POLICY: IndexingPolicy = {
  indexingMode: 'consistent',
  automatic: true,
  includedPaths: [{ path: '/taskId/?' }, { path: '/sequence/?' }, { path: '/type/?' }, { path: '/occurredAt/?' }, { path: '/actor/userId/?' }],
  excludedPaths: [{ path: '/*' }],
};

/** The directory lists users by name; the id tie-breaker keeps cursor paging stable. */
export const USERS_INDEXING_POLICY: IndexingPolicy = {
  indexingMode: 'consistent',
  automatic: true,
  includedPaths: [{ path: '/*' }],
  excludedPaths: [{ path: '/"_etag"/?' }],
  compositeIndexes: [
    [
      { path: '/name', order: 'ascending' },
      { path: '/id', order: 'ascending' },
    ],
  ],
};

/**
 * Totals are read by jurisdiction (stats) or all together; the cells and markers are never
 * filtered on, and not indexing them keeps every counter write cheap.
 */
export const COUNTERS_INDEXING_POLICY: IndexingPolicy = {
  indexingMode: 'consistent',
  automatic: true,
  includedPaths: [{ path: '/jurisdiction/?' }],
  excludedPaths: [{ path: '/*' }],
};

/** A task's notes are read by task, newest first (`sequence`); the text is never filtered on and not indexed. */
export const NOTES_INDEXING_POLICY: IndexingPolicy = {
  indexingMode: 'consistent',
  automatic: true,
  includedPaths: [{ path: '/taskId/?' }, { path: '/sequence/?' }],
  excludedPaths: [{ path: '/*' }],
};

/** Case ledgers are read by id, or all of them by a reconciliation: nothing in them is filtered on. */
export const CASE_COUNTERS_INDEXING_POLICY: IndexingPolicy = {
  indexingMode: 'consistent',
  automatic: true,
  includedPaths: [],
  excludedPaths: [{ path: '/*' }],
};

/**
 * Reference data, operations and the notification ledger are read by id or scanned whole (the
 * ledger's one query, a manager's last digest, is rare); the default policy is enough.
 */
const DEFAULT_INDEXING_POLICY: IndexingPolicy = {
  indexingMode: 'consistent',
  automatic: true,
  includedPaths: [{ path: '/*' }],
  excludedPaths: [{ path: '/"_etag"/?' }],
};

/** Idempotency records are only ever point-read by id: nothing is indexed, so writes cost least. */
export const IDEMPOTENCY_INDEXING_POLICY: IndexingPolicy = {
  indexingMode: 'consistent',
  automatic: true,
  includedPaths: [],
  excludedPaths: [{ path: '/*' }],
};

/** Container definitions the local host creates and Bicep provisions (tests/infra compares them). */
export const CONTAINER_DEFINITIONS: readonly ContainerDefinition[] = [
  {
    id: CONTAINERS.tasks.name,
    partitionKey: { paths: [CONTAINERS.tasks.partitionKeyPath] },
    indexingPolicy: TASKS_INDEXING_POLICY,
  },
  {
    id: CONTAINERS.audit.name,
    partitionKey: { paths: [CONTAINERS.audit.partitionKeyPath] },
    indexingPolicy: AUDIT_INDEXING_POLICY,
  },
  {
    id: CONTAINERS.users.name,
    partitionKey: { paths: [CONTAINERS.users.partitionKeyPath] },
    indexingPolicy: USERS_INDEXING_POLICY,
  },
  {
    id: CONTAINERS.counters.name,
    partitionKey: { paths: [CONTAINERS.counters.partitionKeyPath] },
    indexingPolicy: COUNTERS_INDEXING_POLICY,
  },
  {
    id: CONTAINERS.caseCounters.name,
    partitionKey: { paths: [CONTAINERS.caseCounters.partitionKeyPath] },
    indexingPolicy: CASE_COUNTERS_INDEXING_POLICY,
  },
  {
    id: CONTAINERS.notes.name,
    partitionKey: { paths: [CONTAINERS.notes.partitionKeyPath] },
    indexingPolicy: NOTES_INDEXING_POLICY,
  },
  ...(['locations', 'cases', 'operations', 'notifications'] as const).map((key) => ({
    id: CONTAINERS[key].name,
    partitionKey: { paths: [CONTAINERS[key].partitionKeyPath] },
    indexingPolicy: DEFAULT_INDEXING_POLICY,
  })),
  {
    id: CONTAINERS.idempotency.name,
    partitionKey: { paths: [CONTAINERS.idempotency.partitionKeyPath] },
    indexingPolicy: IDEMPOTENCY_INDEXING_POLICY,
    // Cosmos deletes a record this long after its last write. The embedded local database ignores
    // TTL, so records also carry `expiresAt` and an expired one is treated as absent.
    defaultTtl: IDEMPOTENCY_RETENTION_SECONDS,
  },
];
