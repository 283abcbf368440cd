import type { SinkSpan, SpanStart, TelemetrySink } from './app-insights-sdk.js';

/**
 * Where metrics and spans go: the Application Insights SDK once it has started (app-insights.ts
 * starts it and hands it over), nowhere before. Kept apart from the start-up code, which needs
 * `@azure/functions`, so that what only records (the Cosmos client's plugins, the metrics) can be
 * loaded by tools outside the Functions host too.
 */

interface PendingMetric {
  name: string;
  value: number;
  properties: Record<string, string>;
}

/** Metrics tracked before the SDK has loaded are kept (up to this many) and sent once it has. */
const MAX_PENDING_METRICS = 1_000;

let enabled = false;
let sink: TelemetrySink | undefined;
const pending: PendingMetric[] = [];

/** Telemetry is configured: from now on metrics are kept until the sink arrives. */
export function expectSink(): void {
  enabled = true;
}

/** The SDK has started: what was kept is sent now. */
export function attachSink(started: TelemetrySink): void {
  sink = started;
  for (const metric of pending.splice(0)) started.trackMetric(metric);
}

/** Sends a metric when telemetry is configured (buffered until the SDK has loaded); a no-op otherwise. */
export function sendMetric(name: string, value: number, properties: Record<string, string>): void {
  if (!enabled) return;
  if (sink) sink.trackMetric({ name, value, properties });
  else if (pending.length < MAX_PENDING_METRICS) pending.push({ name, value, properties });
}

/** Starts a span in the SDK when it runs; undefined otherwise (the caller makes its own ids). */
export function sinkSpan(start: SpanStart): SinkSpan | undefined {
  return sink?.startSpan(start);
}
