import { app } from '@azure/functions';
import { redactText } from './redaction.js';
import { attachSink, expectSink } from './telemetry-sink.js';

let requested = false;

/**
 * Starts the Application Insights SDK in the worker when a connection string is configured, for
 * what the Functions host does not collect itself: custom metrics, the app's dependencies and
 * uncaught exceptions (app-insights-sdk.ts).
 *
 * The SDK is the heaviest thing the app could load (the OpenTelemetry Node SDK, about 0.5 s), so
 * it is neither loaded with the app nor on the path of the first invocation: it loads once the
 * first invocation has finished. Metrics tracked until then are buffered and sent when it starts
 * (telemetry-sink.ts); the dependencies of that first invocation are not recorded (a span cannot
 * be back-dated into a trace the SDK did not see start; docs/observability.md). See
 * docs/adr/0005-deployment-package.md. Without a connection string it is never loaded at all.
 */
export function startTelemetry(connectionString: string | undefined): void {
  if (requested || !connectionString) return;
  requested = true;
  expectSink();
  const hook = app.hook.postInvocation(() => {
    hook.dispose();
    // After the hook returns, so the worker sends the first response before the SDK loads.
    setImmediate(() => void loadSdk(connectionString));
  });
}

async function loadSdk(connectionString: string): Promise<void> {
  try {
    const { startAppInsights } = await import('./app-insights-sdk.js');
    attachSink(startAppInsights(connectionString));
  } catch (error) {
    // The only console write of the app: the SDK is what would have carried it elsewhere.
    console.error(`Application Insights did not start: ${redactText(error instanceof Error ? error.message : String(error))}`);
  }
}
