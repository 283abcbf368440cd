import * as appInsights from 'applicationinsights';

/** Where custom metrics go once the SDK runs. */
export interface MetricSink {
  trackMetric(metric: { name: string; value: number; properties: Record<string, string> }): void;
}

/**
 * Starts the Application Insights SDK. The one place `applicationinsights` is imported, and only
 * ever dynamically (app-insights.ts), so the deployment package keeps the OpenTelemetry SDK in a
 * module of its own (dev/package/layout.ts DEFERRED_MODULES).
 *
 * Requests are left to the Functions host, which records every invocation; collecting them here too
 * would double-count. Dependencies are not auto-collected: the instrumentation patches Node's
 * `http`/`https` modules as they are required, and the bundled SDK clients hold ES module bindings
 * to them that the patch does not reach (verified in tests/integration/telemetry.test.ts: none
 * arrive), so switching it on would only cost start-up time.
 */
export function startAppInsights(connectionString: string): MetricSink {
  appInsights
    .setup(connectionString)
    .setAutoCollectRequests(false)
    .setAutoCollectDependencies(false)
    .setAutoCollectExceptions(true)
    .setAutoCollectConsole(false)
    .setSendLiveMetrics(false)
    .start();
  const client = appInsights.defaultClient;
  return { trackMetric: (metric) => client.trackMetric(metric) };
}
