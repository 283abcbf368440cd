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
  /**
   * Idempotency-Key records: one per (caller, key), id = a hash of both, holding the first
   * response. Kept IDEMPOTENCY_RETENTION_SECONDS (container TTL, and `expiresAt` in each record).
   */
  idempotency: { name: 'idempotency', partitionKeyPath: '/id' },
  /**
   * The notification ledger: one document per email Caseload means to send (id = kind, source and
   * recipient), recorded before it is sent and marked once Notify accepted it (docs/notifications.md).
   */
  notifications: { name: 'notifications', partitionKeyPath: '/id' },
  /** Maintained task counts for stats: totals per jurisdiction and shard (at most 7 × 4 documents; docs/data-model.md). */
  counters: { name: 'counters', partitionKeyPath: '/id' },
  /** One counting ledger per case (id = the case reference): what each task of the case is counted as, and from which event. */
  caseCounters: { name: 'case-counters', partitionKeyPath: '/id' },
  /** Task notes, partitioned by task so "the notes of one task, newest first" is one partition (docs/attachments.md). */
  notes: { name: 'notes', partitionKeyPath: '/taskId' },
} as const;

/**
 * The attachments' storage account: the settings prefix of its connection (`<name>__blobServiceUri`)
 * and its one container. Bicep provisions the container; the local host creates it in Azurite.
 */
export const ATTACHMENTS_STORAGE_CONNECTION = 'AttachmentsStorage';
export const ATTACHMENTS_CONTAINER = 'attachments';

/** How long an Idempotency-Key is remembered: a retry within this window replays the first response. */
export const IDEMPOTENCY_RETENTION_SECONDS = 24 * 60 * 60;

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
      /** Emails through GOV.UK Notify (notifications-sender; docs/notifications.md). */
      notifications: 'notifications',
      /** Keeps the task counts behind GET /tasks/stats and the overdue backlog. */
      counters: 'counters',
    },
  },
} as const;

/**
 * A message on a topic that carries this application property goes to the one subscription it
 * names and to no other: how a consumer re-sends to itself (a scheduled retry) or hands itself
 * work (a digest, a bulk summary) through the topic its subscription reads. Every subscription
 * has this filter (Bicep: a SQL rule replacing `$Default`; the local broker applies the same).
 */
export const ADDRESSED_TO_PROPERTY = 'addressedTo';

/** The SQL filter of a subscription: messages addressed to nobody, or to it. */
export const subscriptionFilterExpression = (subscription: string): string =>
  `NOT EXISTS(user.${ADDRESSED_TO_PROPERTY}) OR user.${ADDRESSED_TO_PROPERTY} = '${subscription}'`;

/** Whether a subscription receives a message with these application properties (subscriptionFilterExpression). */
export function subscriptionAccepts(subscription: string, applicationProperties: Readonly<Record<string, unknown>> | undefined): boolean {
  const addressedTo = applicationProperties?.[ADDRESSED_TO_PROPERTY];
  return addressedTo === undefined || addressedTo === subscription;
}

/**
 * Subscriptions whose messages simply expire rather than being dead-lettered when nobody took them
 * within the time to live: a notification two weeks late is no use to anyone, and a dead letter
 * would keep the "dead letters > 0" alert firing for it.
 */
export const NO_EXPIRY_DEAD_LETTERING: readonly string[] = [TOPICS.taskEvents.subscriptions.notifications];

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
