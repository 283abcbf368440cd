import { randomBytes } from 'node:crypto';

/**
 * W3C Trace Context `traceparent` values (https://www.w3.org/TR/trace-context/): what the Functions
 * host hands each invocation, what API Management forwards, and what Service Bus messages carry in
 * their `Diagnostic-Id` / `traceparent` application properties. Application Insights reads the
 * trace id as `operation_Id` and the span id as the parent of whatever continues it.
 */
export interface TraceParent {
  traceId: string;
  spanId: string;
  /** `01` when sampled. */
  flags: string;
}

const TRACEPARENT = /^00-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** The parts of a version-00 traceparent, or undefined for anything else (including the all-zero ids the spec forbids). */
export function parseTraceparent(value: unknown): TraceParent | undefined {
  if (typeof value !== 'string') return undefined;
  const match = TRACEPARENT.exec(value.trim().toLowerCase());
  if (!match || match[1] === ZERO_TRACE || match[2] === ZERO_SPAN) return undefined;
  return { traceId: match[1]!, spanId: match[2]!, flags: match[3]! };
}

export function formatTraceparent({ traceId, spanId, flags }: TraceParent): string {
  return `00-${traceId}-${spanId}-${flags}`;
}

export const newSpanId = (): string => randomBytes(8).toString('hex');

/** A new span in the same trace: what a callee records, with `parent.spanId` as its parent. */
export function childOf(parent: TraceParent): TraceParent {
  return { traceId: parent.traceId, spanId: newSpanId(), flags: parent.flags };
}

/** A new trace, for work nothing upstream started (a timer run, a caller without traceparent). */
export function newTrace(): TraceParent {
  return { traceId: randomBytes(16).toString('hex'), spanId: newSpanId(), flags: '01' };
}

/** Whether two traceparents belong to the same trace (operation). */
export function sameTrace(a: string | undefined, b: string | undefined): boolean {
  const left = parseTraceparent(a);
  const right = parseTraceparent(b);
  return left !== undefined && right !== undefined && left.traceId === right.traceId;
}
