import { createHash } from 'node:crypto';
import type { SqlQuerySpec } from '@azure/cosmos';
import { validationError } from '../errors/app-error.js';

/**
 * The opaque `cursor` of a list response: the Cosmos continuation token, bound to a fingerprint
 * of the query it belongs to. Reusing a cursor with other filters, sort or caller would resume a
 * different query at a meaningless position, so it is refused (400) instead.
 */
interface CursorPayload {
  v: 1;
  q: string;
  t: string;
}

export function queryFingerprint(spec: SqlQuerySpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('base64url').slice(0, 22);
}

export function encodeCursor(spec: SqlQuerySpec, continuationToken: string): string {
  const payload: CursorPayload = { v: 1, q: queryFingerprint(spec), t: continuationToken };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

export function decodeCursor(cursor: string, spec: SqlQuerySpec): string {
  const invalid = (message: string) => validationError([{ in: 'query', field: 'cursor', message }]);
  let payload: Partial<CursorPayload>;
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorPayload>;
  } catch {
    throw invalid('is not a cursor this API issued');
  }
  if (payload?.v !== 1 || typeof payload.t !== 'string' || typeof payload.q !== 'string') {
    throw invalid('is not a cursor this API issued');
  }
  if (payload.q !== queryFingerprint(spec)) {
    throw invalid('belongs to a different query: keep the same filters and sort when paging');
  }
  return payload.t;
}
