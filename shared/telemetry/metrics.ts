import type { Log } from './log.js';
import { sendMetric } from './app-insights.js';

/**
 * Custom metrics: sent to Application Insights as metrics (customMetrics) when the SDK runs, and
 * logged as one JSON line so they are also visible locally and in the invocation's traces.
 * Request telemetry (who called what, status, latency) is collected by the Functions host itself.
 */
export type MetricName =
  | 'audit.lagMs'
  | 'audit.duplicate'
  | 'overdue.queued'
  | 'overdue.flagged'
  | 'overdue.backlog'
  | 'outbox.relayed'
  | 'outbox.relayFailed'
  | 'notify.sent'
  | 'notify.duplicate'
  | 'notify.retryScheduled'
  | 'notify.rejected'
  | 'notify.authFailed'
  | 'notify.digestsQueued'
  | 'counters.duplicate'
  | 'counters.tasksCaughtUp'
  | 'counters.totalsCorrected'
  | 'notes.writesFinished'
  | 'attachments.uploadsRemoved'
  | 'attachments.scansRecorded';

/** Where the metric's log line goes: an invocation's log. */
export type MetricLog = Pick<Log, 'log'>;

export function trackMetric(context: MetricLog, name: MetricName, value: number, dimensions: Record<string, string> = {}): void {
  sendMetric(name, value, dimensions);
  context.log(JSON.stringify({ metric: name, value, ...dimensions }));
}
