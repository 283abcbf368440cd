import { app } from '@azure/functions';

import type { MetricSink } from './app-insights-sdk.js';

interface PendingMetric {
  name: string;
  value: number;
  properties: Record<string, string>;
}

/** Metrics tracked before the SDK has loaded are kept (up to this many) and sent once it has. */
const MAX_PENDING_METRICS = 1_000;

let requested = false;
let sink: MetricSink | undefined;
const pending: PendingMetric[] = [];

/**
 * Starts the Application Insights SDK in the worker when a connection string is configured, for
 * what the Functions host does not collect itself: custom metrics and exceptions (app-insights-sdk.ts).
 *
 * The SDK is the heaviest thing the app could load (the OpenTelemetry Node SDK, about 0.5 s), so
 * it is neither loaded with the app nor on the path of the first invocation: it loads once the
 * first invocation has finished. Metrics tracked until then are buffered and sent when it starts
 * (docs/adr/0005-deployment-package.md).
 * Without a connection string it is never loaded at all.
 */
export function startTelemetry(connectionString: string | undefined): void {
  if (requested || !connectionString) return;
  requested = true;
  const hook = app.hook.postInvocation(() => {
    hook.dispose();
    // After the hook returns, so the worker sends the first response before the SDK loads.
    setImmediate(() => void loadSdk(connectionString));
  });
}

async function loadSdk(connectionString: string): Promise<void> {
  try {
    const { startAppInsights } = await import('./app-insights-sdk.js');
    sink = startAppInsights(connectionString);
    for (const metric of pending.splice(0)) sink.trackMetric(metric);
  } catch (error) {
    console.error(`Application Insights did not start: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Sends a metric when telemetry is configured (buffered until the SDK has loaded); a no-op otherwise. */
export function sendMetric(name: string, value: number, properties: Record<string, string>): void {
  if (!requested) return;
  if (sink) sink.trackMetric({ name, value, properties });
  else if (pending.length < MAX_PENDING_METRICS) pending.push({ name, value, properties });
}
