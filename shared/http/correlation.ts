import { randomUUID } from 'node:crypto';

export const CORRELATION_HEADER = 'x-correlation-id';

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-[\da-f]{16}-[\da-f]{2}$/;

/**
 * The correlation id of a request: the caller's `x-correlation-id` when it is safe to echo into
 * logs and headers, else the W3C trace id (so it joins up with Application Insights), else new.
 */
export function correlationIdFrom(headers: Headers): string {
  const given = headers.get(CORRELATION_HEADER);
  if (given && SAFE_ID.test(given)) return given;
  const traceId = TRACEPARENT.exec(headers.get('traceparent') ?? '')?.[1];
  return traceId ?? randomUUID();
}
