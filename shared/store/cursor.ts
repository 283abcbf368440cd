import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { SqlQuerySpec } from '@azure/cosmos';
import type { Principal } from '../auth/roles.js';
import { validationError, type AppError } from '../errors/app-error.js';

/**
 * The opaque `cursor` of a list response: the Cosmos continuation token and a fingerprint of the
 * query it belongs to, with an HMAC-SHA256 over them and over the caller it was issued to.
 *
 *   cursor = base64url(JSON {v, q, t}) "." base64url(HMAC(key, [purpose, userId, scope, payload]))
 *
 * A cursor is client-held state that goes back to the database, so nothing in it is trusted until
 * the MAC checks out: an altered or forged cursor, or one issued to another caller or for another
 * scope, is refused with a 400 naming `cursor` before Cosmos sees its token. Reusing a genuine
 * cursor with other filters or sort is refused too (it would resume a different query at a
 * meaningless position). The MAC is computed over the payload text as sent, and compared as text,
 * so changing any character of a cursor is detected (base64 has spare bits that decoding drops).
 *
 * Keys rotate: the first key signs, every key verifies (CURSOR_KEYS, docs/deploy.md).
 */
interface CursorPayload {
  v: 2;
  /** Fingerprint of the query (text and parameters), which includes the caller's visibility scope. */
  q: string;
  /** The Cosmos continuation token. */
  t: string;
}

/** Who a cursor is bound to: the caller's id, and their roles and work scope as one string. */
export interface CursorOwner {
  userId: string;
  scope: string;
}

const PURPOSE = 'caseload.cursor.v2';
const MAC_LENGTH = 43; // base64url of 32 bytes, unpadded
const CURSOR_FORMAT = new RegExp(`^([A-Za-z0-9_-]+)\\.([A-Za-z0-9_-]{${MAC_LENGTH}})$`);

export function queryFingerprint(spec: SqlQuerySpec): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('base64url').slice(0, 22);
}

/** The caller a cursor is issued to. A change of roles or work scope ends the caller's cursors. */
export function cursorOwner(principal: Principal): CursorOwner {
  const scope = {
    roles: [...principal.roles].sort(),
    jurisdictions: principal.workScope ? [...principal.workScope.jurisdictions].sort() : null,
    locations: principal.workScope ? [...principal.workScope.locations].sort() : null,
  };
  return { userId: principal.userId, scope: JSON.stringify(scope) };
}

const invalidCursor = (message: string): AppError => validationError([{ in: 'query', field: 'cursor', message }]);

/** The 400 for a genuine cursor whose continuation token the database no longer accepts. */
export const staleCursor = (): AppError => invalidCursor('can no longer be resumed: start again from the first page');

export class CursorCodec {
  private readonly keys: readonly Buffer[];

  /** `keys[0]` signs; every key verifies. */
  constructor(keys: readonly Buffer[]) {
    if (keys.length === 0) throw new Error('CursorCodec needs at least one key');
    this.keys = keys;
  }

  encode(spec: SqlQuerySpec, owner: CursorOwner, continuationToken: string): string {
    const payload: CursorPayload = { v: 2, q: queryFingerprint(spec), t: continuationToken };
    const text = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${text}.${mac(this.keys[0]!, owner, text)}`;
  }

  /** The continuation token of a cursor this API issued to `owner` for `spec`; a 400 naming `cursor` otherwise. */
  decode(cursor: string, spec: SqlQuerySpec, owner: CursorOwner): string {
    const match = CURSOR_FORMAT.exec(cursor);
    if (!match) throw invalidCursor('is not a cursor this API issued');
    const [, text, presented] = match as unknown as [string, string, string];
    const presentedBytes = Buffer.from(presented, 'ascii');
    const authentic = this.keys.some((key) => timingSafeEqual(Buffer.from(mac(key, owner, text), 'ascii'), presentedBytes));
    if (!authentic) {
      throw invalidCursor('is not valid for you: it was altered, issued to another caller, or signed with a retired key; start again from the first page');
    }
    let payload: Partial<CursorPayload> | null;
    try {
      payload = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<CursorPayload> | null;
    } catch {
      payload = null;
    }
    // Signed by this API, so malformed only if a key was shared with something else: still the caller's 400.
    if (payload?.v !== 2 || typeof payload.t !== 'string' || typeof payload.q !== 'string') {
      throw invalidCursor('is not a cursor this API issued');
    }
    if (payload.q !== queryFingerprint(spec)) {
      throw invalidCursor('belongs to a different query: keep the same filters and sort when paging');
    }
    return payload.t;
  }
}

function mac(key: Buffer, owner: CursorOwner, payloadText: string): string {
  // JSON of an array: unambiguous boundaries between the fields, whatever they contain.
  return createHmac('sha256', key).update(JSON.stringify([PURPOSE, owner.userId, owner.scope, payloadText])).digest('base64url');
}
