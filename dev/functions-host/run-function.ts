import { type InvocationResult, invokeFunction } from './invoke.js';
import { getFunction } from './registry.js';
import type { TimerScheduler } from './timers.js';
import { toTypedData } from './typed-data.js';

/**
 * Runs a non-HTTP function by hand, the programmatic twin of Core Tools' `POST /admin/functions/<name>`.
 * Timers go through the scheduler so a manual run never overlaps a scheduled one; any other
 * trigger receives `input` as its trigger data (a string stays a string, which the library
 * JSON-parses when it can, exactly as with the host's admin API).
 */

export class UnknownFunctionError extends Error {
  constructor(readonly functionName: string) {
    super(`No function named '${functionName}'.`);
    this.name = 'UnknownFunctionError';
  }
}

export class NotInvocableError extends Error {
  constructor(readonly functionName: string) {
    super(`'${functionName}' is an HTTP function: call its route instead of the admin API.`);
    this.name = 'NotInvocableError';
  }
}

export function runFunction(name: string, input: unknown, timers: TimerScheduler): Promise<InvocationResult> {
  const fn = getFunction(name);
  if (!fn) return Promise.reject(new UnknownFunctionError(name));
  const trigger = fn.captured.trigger.toLowerCase();
  if (trigger === 'httptrigger') return Promise.reject(new NotInvocableError(fn.captured.name));
  const reason = 'This function was programmatically called via the host APIs.';
  if (trigger === 'timertrigger') return timers.runNow(fn, reason);
  const triggerData = toTypedData(input);
  return invokeFunction(fn, { ...(triggerData ? { triggerData } : {}), reason, summary: 'run by hand' });
}
