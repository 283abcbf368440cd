import { app } from '@azure/functions';
import { RedactedError, redactText } from './redaction.js';

let installed = false;

/**
 * Puts redaction (redaction.ts) between the app and the Functions host, once per process:
 *
 * - a `log` hook: every line a function writes (context.log/warn/error, and the library's own
 *   lines about an invocation) is redacted before the worker hands it to the host, which writes it
 *   to the console, the log stream and Application Insights `traces`. The local host runs the same
 *   hooks (dev/functions-host/hooks.ts), also on its one line per invocation, so `npm start`
 *   output is redacted the same way;
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
  app.hook.log(redactLogLine);
  app.hook.postInvocation(redactInvocationError);
}

/** The `log` hook. */
export function redactLogLine(context: { message: string }): void {
  context.message = redactText(context.message);
}

/** The `postInvocation` hook. */
export function redactInvocationError(context: { error: unknown }): void {
  const { error } = context;
  if (error === undefined || error === null || error instanceof RedactedError) return;
  context.error = new RedactedError(error instanceof Error ? error : new Error(String(error)));
}
