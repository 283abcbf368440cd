import type { Log } from './log.js';
import { sendMetric } from './telemetry-sink.js';

/**
 * Custom metrics (Application Insights `customMetrics`), every one documented with its dimensions,
 * workbook panel and alert in docs/observability.md (a test holds the two together). Request
 * telemetry (who called what, status, latency) is collected by the Functions host itself.
 *
 * Two kinds:
 * - events a use case reports (trackMetric): sent, and logged as one readable line on the
 *   invocation (`metric audit.lagMs=5462 eventType=task.created`), so they are visible locally
 *   and in the invocation's `traces` too;
 * - measurements the pipeline takes on every invocation (recordMetric): sent only, since a log
 *   line for each would double every invocation's logs.
 */
export const METRICS = {
  // Tasks
  'tasks.created': 'a task was created (dimension jurisdiction)',
  'tasks.completed': 'a task was completed (jurisdiction)',
  'tasks.cancelled': 'a task was cancelled (jurisdiction)',
  // HTTP answers that tell of contention or client mistakes
  'http.conflict': 'a request was answered 409, e.g. a claim that lost the race (operation)',
  'http.staleWrite': 'a conditional write was answered 412: the If-Match was stale (operation)',
  'http.preconditionRequired': 'a write came without If-Match and was answered 428 (operation)',
  // The outbox and its relay
  'outbox.backlog': 'tasks with events waiting in their outbox, measured by each relay run',
  'outbox.oldestAgeMs': 'age of the oldest event waiting in an outbox, measured by each relay run',
  'outbox.relayed': 'events the relay published in one run',
  'outbox.relayFailed': 'a relay run stopped at a task it could not publish',
  // Audit
  'audit.lagMs': 'from an event to its audit record (eventType)',
  'audit.duplicate': 'a redelivered event found its audit record already written (eventType)',
  // Service Bus
  'serviceBus.deadLettered': 'a message failed its last delivery and goes to the dead-letter queue (entity, reason)',
  // Overdue processing
  'overdue.queued': 'tasks the scan queued for flagging',
  'overdue.flagged': 'a task was flagged overdue',
  'overdue.backlog': 'flagged open tasks per jurisdiction, reported by every scan (jurisdiction)',
  // Notifications
  'notify.sent': 'an email was accepted by GOV.UK Notify (kind)',
  'notify.duplicate': 'an email had been sent before and was not sent again (kind, foundAtNotify)',
  'notify.retryScheduled': 'Notify asked to wait (429, 5xx, no answer): the email is retried later (kind)',
  'notify.rejected': 'Notify refused an email (400); it went to the dead-letter queue (kind)',
  'notify.authFailed': 'Notify refused the API key, also after reading it again (kind)',
  'notify.digestsQueued': 'managers\' overdue digests queued by the daily run',
  // Counters behind /tasks/stats
  'counters.duplicate': 'a redelivered event was already counted (eventType)',
  'counters.tasksCaughtUp': 'case ledgers the reconciliation brought up to date',
  'counters.totalsCorrected': 'totals documents the reconciliation corrected',
  // Notes and attachments: the sweep
  'notes.writesFinished': 'note writes a crash left half done, finished by the sweep',
  'attachments.uploadsRemoved': 'unfinished uploads the sweep removed',
  'attachments.scansRecorded': 'malware scan verdicts the sweep recorded',
  // Cosmos DB and the caches, per invocation
  'cosmos.requests': 'Cosmos DB requests one invocation made, from the SDK (operation)',
  'cosmos.requestCharge': 'request units one invocation consumed, from x-ms-request-charge (operation)',
  'auth.tokenCache': 'a bearer token was looked up in the verified-token cache (result = hit or miss)',
} as const;

export type MetricName = keyof typeof METRICS;

/** Where the metric's log line goes: an invocation's log. */
export type MetricLog = Pick<Log, 'log'>;

/** A use case's metric: sent, and logged on the invocation as one readable line. */
export function trackMetric(context: MetricLog, name: MetricName, value: number, dimensions: Record<string, string> = {}): void {
  sendMetric(name, value, dimensions);
  const detail = Object.entries(dimensions).map(([key, item]) => ` ${key}=${item}`).join('');
  context.log(`metric ${name}=${value}${detail}`);
}

/** A measurement the pipeline takes on every invocation: sent, not logged. */
export function recordMetric(name: MetricName, value: number, dimensions: Record<string, string> = {}): void {
  sendMetric(name, value, dimensions);
}
