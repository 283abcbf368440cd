import type { InvocationContext } from '@azure/functions';

/**
 * Custom metrics, written as structured log lines that Application Insights stores as traces with
 * `customDimensions` (the Functions host forwards worker logs). Queries in the operations
 * workbook read them by `metric` name. Request telemetry (who called what, status, latency) is
 * collected by the Functions host itself, not here.
 */
export type MetricName = 'audit.lagMs' | 'audit.duplicate' | 'overdue.queued' | 'overdue.flagged' | 'outbox.relayed' | 'outbox.relayFailed';

export function trackMetric(context: Pick<InvocationContext, 'log'>, name: MetricName, value: number, dimensions: Record<string, string> = {}): void {
  context.log(JSON.stringify({ metric: name, value, ...dimensions }));
}
