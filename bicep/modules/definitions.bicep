// Data-plane definitions the application depends on, mirrored from the TypeScript sources of
// truth. tests/infra compares every value here with them, so a change on either side that is not
// made on the other fails the build:
//   containers       <- shared/store/container-definitions.ts (CONTAINER_DEFINITIONS)
//   serviceBusDelivery <- shared/config/entities.ts (SERVICE_BUS_DELIVERY)
import { entityNames } from 'naming.bicep'

@export()
@description('Cosmos DB containers: partition key and the full indexing policy (composite indexes included).')
var containers = [
  {
    id: entityNames.containers.tasks
    partitionKey: { paths: ['/id'] }
    indexingPolicy: {
      indexingMode: 'consistent'
      automatic: true
      includedPaths: [{ path: '/*' }]
      excludedPaths: [{ path: '/description/?' }, { path: '/pendingEvents/*' }, { path: '/noteWrites/*' }, { path: '/"_etag"/?' }]
      // Every list query orders by (sort field, id); Cosmos needs one composite index per
      // two-field ORDER BY and direction. The last one serves the overdue scan.
      compositeIndexes: [
        [{ path: '/dueDate', order: 'ascending' }, { path: '/id', order: 'ascending' }]
        [{ path: '/dueDate', order: 'descending' }, { path: '/id', order: 'descending' }]
        [{ path: '/priorityRank', order: 'ascending' }, { path: '/id', order: 'ascending' }]
        [{ path: '/priorityRank', order: 'descending' }, { path: '/id', order: 'descending' }]
        [{ path: '/createdAt', order: 'ascending' }, { path: '/id', order: 'ascending' }]
        [{ path: '/createdAt', order: 'descending' }, { path: '/id', order: 'descending' }]
        [{ path: '/updatedAt', order: 'ascending' }, { path: '/id', order: 'ascending' }]
        [{ path: '/updatedAt', order: 'descending' }, { path: '/id', order: 'descending' }]
        [{ path: '/overdue', order: 'ascending' }, { path: '/status', order: 'ascending' }, { path: '/dueDate', order: 'ascending' }]
      ]
    }
  }
  {
    id: entityNames.containers.audit
    partitionKey: { paths: ['/taskId'] }
    indexingPolicy: {
      indexingMode: 'consistent'
      automatic: true
      includedPaths: [
        { path: '/taskId/?' }
        { path: '/sequence/?' }
        { path: '/type/?' }
        { path: '/occurredAt/?' }
        { path: '/actor/userId/?' }
      ]
      excludedPaths: [{ path: '/*' }]
    }
  }
  {
    id: entityNames.containers.users
    partitionKey: { paths: ['/id'] }
    indexingPolicy: {
      indexingMode: 'consistent'
      automatic: true
      includedPaths: [{ path: '/*' }]
      excludedPaths: [{ path: '/"_etag"/?' }]
      // The directory lists users by name, with id as the tie-breaker for cursor paging.
      compositeIndexes: [
        [{ path: '/name', order: 'ascending' }, { path: '/id', order: 'ascending' }]
      ]
    }
  }
  {
    // Maintained task counts: totals per jurisdiction and shard (at most 28 documents), read by
    // jurisdiction; the counts themselves are never filtered on.
    id: entityNames.containers.counters
    partitionKey: { paths: ['/id'] }
    indexingPolicy: {
      indexingMode: 'consistent'
      automatic: true
      includedPaths: [{ path: '/jurisdiction/?' }]
      excludedPaths: [{ path: '/*' }]
    }
  }
  {
    // One counting ledger per case: read by id, or all by the reconciliation; nothing indexed.
    id: entityNames.containers.caseCounters
    partitionKey: { paths: ['/id'] }
    indexingPolicy: {
      indexingMode: 'consistent'
      automatic: true
      includedPaths: []
      excludedPaths: [{ path: '/*' }]
    }
  }
  {
    // Task notes: a task's notes newest first (sequence); the text is never filtered on.
    id: entityNames.containers.notes
    partitionKey: { paths: ['/taskId'] }
    indexingPolicy: {
      indexingMode: 'consistent'
      automatic: true
      includedPaths: [{ path: '/taskId/?' }, { path: '/sequence/?' }]
      excludedPaths: [{ path: '/*' }]
    }
  }
  // Reference data, long-running operations and the notification ledger: read by id or scanned whole.
  {
    id: entityNames.containers.locations
    partitionKey: { paths: ['/id'] }
    indexingPolicy: defaultIndexingPolicy
  }
  {
    id: entityNames.containers.cases
    partitionKey: { paths: ['/id'] }
    indexingPolicy: defaultIndexingPolicy
  }
  {
    id: entityNames.containers.operations
    partitionKey: { paths: ['/id'] }
    indexingPolicy: defaultIndexingPolicy
  }
  // Idempotency-Key records: point reads by id only, so nothing is indexed. Cosmos deletes each
  // 24 h after its last write (IDEMPOTENCY_RETENTION_SECONDS in shared/config/entities.ts).
  {
    id: entityNames.containers.idempotency
    partitionKey: { paths: ['/id'] }
    indexingPolicy: {
      indexingMode: 'consistent'
      automatic: true
      includedPaths: []
      excludedPaths: [{ path: '/*' }]
    }
    defaultTtl: 86400
  }
  // The notification ledger: one document per email, read by id (docs/notifications.md).
  {
    id: entityNames.containers.notifications
    partitionKey: { paths: ['/id'] }
    indexingPolicy: defaultIndexingPolicy
  }
]

var defaultIndexingPolicy = {
  indexingMode: 'consistent'
  automatic: true
  includedPaths: [{ path: '/*' }]
  excludedPaths: [{ path: '/"_etag"/?' }]
}

@export()
@description('Delivery settings shared by every queue and subscription (ISO 8601 durations).')
var serviceBusDelivery = {
  maxDeliveryCount: 10
  lockDuration: 'PT60S'
  duplicateDetectionHistoryTimeWindow: 'PT10M'
  defaultMessageTimeToLive: 'P14D'
  deadLetteringOnMessageExpiration: true
}
