import type { InvocationOutput, InvocationRequest } from './invoke.js';

/**
 * The one line an invocation gets in one-line mode (FunctionsHostOptions.oneLinePerInvocation):
 *
 *   GET /api/v1/tasks → 200 in 47 ms · correlation 7f3c0d1e-… · metric cosmos…
 *   message 3f2a… on task-events/subscriptions/audit (delivery 1) → done in 5 ms · correlation 7f3c… · metric audit.lagMs=5462
 *
 * What ran (the trigger's summary), its outcome (the HTTP status, or done / failed and why), how
 * long it took, the correlation id (an HTTP response's `x-correlation-id`, else the one the
 * trigger carries), then the invocation's own information lines, folded in. The writer adds the
 * time, level, function name and invocation id in front, as for every line.
 */
export function invocationLine(input: { request: InvocationRequest; outputs: readonly InvocationOutput[]; durationMs: number; folded: readonly string[]; error?: unknown }): string {
  const { request, outputs, durationMs, folded, error } = input;
  const http = outputs.find((output) => String(output.binding.type).toLowerCase() === 'http')?.data?.http;
  const outcome = error !== undefined ? `failed: ${firstLine(error)}` : http ? String(http.statusCode ?? 200) : 'done';
  const correlationId = headerOf(http?.headers, 'x-correlation-id') ?? request.correlationId;
  const parts = [`${request.summary ?? request.reason ?? 'invoked'} → ${outcome} in ${durationMs} ms`];
  if (correlationId) parts.push(`correlation ${correlationId}`);
  parts.push(...folded.map((line) => line.replace(/\s+/g, ' ').trim()).filter((line) => line !== ''));
  return parts.join(' · ');
}

function firstLine(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const text = cause instanceof Error ? cause.message : String(cause);
  return text.split('\n', 1)[0] ?? '';
}

function headerOf(headers: Record<string, string> | null | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key === undefined ? undefined : headers[key];
}
