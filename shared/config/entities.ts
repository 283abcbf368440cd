/**
 * Names of every Azure resource entity the code talks to, written once. Bicep templates, the local
 * host (embedded database and broker) and the tests all read these names from here; tests/infra
 * checks the templates against this file.
 */
export const COSMOS_DATABASE_DEFAULT = 'caseload';

/** Cosmos DB containers and their partition key paths. */
export const CONTAINERS = {
  tasks: { name: 'tasks', partitionKeyPath: '/id' },
  /** One audit record per task event, partitioned so "the history of one task" is one partition. */
  audit: { name: 'audit', partitionKeyPath: '/taskId' },
  /** The work-allocation directory: one document per user (id = Entra object id). */
  users: { name: 'users', partitionKeyPath: '/id' },
  /** Courts and venues (id = location id). */
  locations: { name: 'locations', partitionKeyPath: '/id' },
  /** Cases imported from the case management system (id = the 16-digit case reference). */
  cases: { name: 'cases', partitionKeyPath: '/id' },
  /** Long-running operations (bulk reassignment, case import): progress and resumable state. */
  operations: { name: 'operations', partitionKeyPath: '/id' },
  /** Maintained task counts for stats: totals per jurisdiction and shard (at most 7 × 4 documents; docs/data-model.md). */
  counters: { name: 'counters', partitionKeyPath: '/id' },
  /** One counting ledger per case (id = the case reference): what each task of the case is counted as, and from which event. */
  caseCounters: { name: 'case-counters', partitionKeyPath: '/id' },
} as const;

/** Service Bus: the settings prefix of the identity-based connection (`<name>__fullyQualifiedNamespace`). */
export const SERVICE_BUS_CONNECTION = 'ServiceBusConnection';

/**
 * Delivery settings shared by every queue and subscription (Bicep provisions the same values and
 * the local broker enforces them).
 */
export const SERVICE_BUS_DELIVERY = {
  maxDeliveryCount: 10,
  lockDurationSeconds: 60,
  /** Duplicate detection history: a resend of the same messageId inside it is dropped. */
  duplicateDetectionWindowMinutes: 10,
  defaultMessageTimeToLiveDays: 14,
  deadLetteringOnMessageExpiration: true,
} as const;

export const TOPICS = {
  taskEvents: {
    name: 'task-events',
    subscriptions: {
      /** Writes the audit trail. */
      audit: 'audit',
      /** For downstream notifications (no consumer in this app yet; messages are kept for it). */
      notifications: 'notifications',
      /** Keeps the task counts behind GET /tasks/stats and the overdue backlog. */
      counters: 'counters',
    },
  },
} as const;

export const QUEUES = {
  overdueTasks: { name: 'overdue-tasks' },
  /** Chunks of long-running operations (bulk reassignment, case import), one message per chunk. */
  operations: { name: 'operations' },
} as const;

/**
 * The entities whose dead-letter queues operators can list and replay, by the short name used in
 * `/v1/admin/dead-letters/{entity}`. `replayTo` is where a replayed message is sent.
 */
export const DEAD_LETTER_SOURCES = {
  audit: { topic: TOPICS.taskEvents.name, subscription: TOPICS.taskEvents.subscriptions.audit, replayTo: TOPICS.taskEvents.name },
  notifications: {
    topic: TOPICS.taskEvents.name,
    subscription: TOPICS.taskEvents.subscriptions.notifications,
    replayTo: TOPICS.taskEvents.name,
  },
  counters: { topic: TOPICS.taskEvents.name, subscription: TOPICS.taskEvents.subscriptions.counters, replayTo: TOPICS.taskEvents.name },
  'overdue-tasks': { queue: QUEUES.overdueTasks.name, replayTo: QUEUES.overdueTasks.name },
  operations: { queue: QUEUES.operations.name, replayTo: QUEUES.operations.name },
} as const;

export type DeadLetterSourceName = keyof typeof DEAD_LETTER_SOURCES;
