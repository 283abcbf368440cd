import * as appInsights from 'applicationinsights';

let started = false;

/**
 * Starts the Application Insights SDK in the worker when a connection string is configured, for
 * what the Functions host does not collect itself: dependency calls (Cosmos, Service Bus, JWKS)
 * and custom metrics. Requests are left to the host, which already records every invocation with
 * its status and duration; collecting them here too would double-count.
 */
export function startTelemetry(connectionString: string | undefined): void {
  if (started || !connectionString) return;
  appInsights
    .setup(connectionString)
    .setAutoCollectRequests(false)
    .setAutoCollectDependencies(true)
    .setAutoCollectExceptions(true)
    .setAutoCollectConsole(false)
    .setSendLiveMetrics(false)
    .start();
  started = true;
}

/** Sends a metric when the SDK runs; a no-op otherwise (locally, tests). */
export function sendMetric(name: string, value: number, properties: Record<string, string>): void {
  if (!started) return;
  appInsights.defaultClient?.trackMetric({ name, value, properties });
}
