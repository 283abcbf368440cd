import { app } from '@azure/functions';
import { RedactedError, redactText } from './redaction.js';

let installed = false;

/**
 * Puts redaction (redaction.ts) between the app and the Functions host, once per process:
 *
 * - a `log` hook: every line a function writes (context.log/warn/error, and the library's own
 *   lines about an invocation) is redacted before the worker hands it to the host, which writes it
 *   to the console, the log stream and Application Insights `traces`. The local host runs the same
 *   hooks (dev/functions-host/hooks.ts), so `npm start` output is redacted the same way;
 * - a `postInvocation` hook: an error leaving a function is replaced by one with a redacted
 *   message and stack, because the host logs it ("Executed … (Failed …)") and records it in
 *   `exceptions`.
 *
 * The entry points (registerEndpoint, registerConsumer, registerTimer) install it, so no function
 * can run without it.
 */
export function installLogRedaction(): void {
  if (installed) return;
  installed = true;
  app.hook.log((context) => {
    context.message = redactText(context.message);
  });
  app.hook.postInvocation((context) => {
    const error = context.error;
    if (error instanceof Error && !(error instanceof RedactedError)) context.error = new RedactedError(error);
    else if (error !== undefined && error !== null && !(error instanceof Error)) context.error = new RedactedError(new Error(String(error)));
  });
}
