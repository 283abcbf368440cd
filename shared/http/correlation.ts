import { randomUUID } from 'node:crypto';
import { parseTraceparent } from '../telemetry/trace-context.js';

export const CORRELATION_HEADER = 'x-correlation-id';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** Three base64url parts, the first a JSON header: a JWT, which no log or header may echo. */
const LOOKS_LIKE_A_TOKEN = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\./;

/**
 * The correlation id of a request: the caller's `x-correlation-id` when it is safe to echo into
 * logs and headers (short, plain characters, and not a token pasted into the wrong header), else
 * the W3C trace id (so it joins up with Application Insights), else new.
 */
export function correlationIdFrom(headers: Headers): string {
  const given = headers.get(CORRELATION_HEADER);
  if (given && SAFE_ID.test(given) && !LOOKS_LIKE_A_TOKEN.test(given)) return given;
  return parseTraceparent(headers.get('traceparent'))?.traceId ?? randomUUID();
}
