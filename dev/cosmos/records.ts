/**
 * The vocabulary shared by the journal and the snapshot: changes to the
 * primary Maps of the in-memory account, recorded as resulting state.
 *
 * Recording the stored resource (with the _etag, _ts, _rid and _self the
 * server gave it) rather than the request means replay reproduces the exact
 * state clients saw, so ETags they hold stay valid after a restart.
 */
import type { Resource } from './upstream.js';

/** Which container a change belongs to. */
export type Kind = 'db' | 'coll' | 'doc' | 'udf';

/**
 * `p` locates the container by the _rids of its ancestors: [] for databases,
 * [dbRid] for collections, [dbRid, collRid] for documents and UDFs.
 */
export type Op =
  /** A resource was stored; `n` is the container's rid counter afterwards. */
  | { o: 'set'; k: Kind; p: string[]; d: Resource; n: number }
  /** The resource with _rid `r` was removed. */
  | { o: 'del'; k: Kind; p: string[]; r: string }
  /** Rid counter of a container (snapshots only: it outlives deleted items). */
  | { o: 'ctr'; k: Kind; p: string[]; n: number };

/**
 * One journal line: every change made in one synchronous stretch of the
 * server (e.g. the delete + insert that make up a replace) so that a torn
 * line drops a whole operation, never half of one.
 */
export interface Unit {
  s: number;
  ops: Op[];
}

/** Parses one journal line; undefined when it is not a well-formed unit. */
export function decodeUnit(line: string): Unit | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(value) || !Number.isSafeInteger(value.s) || !Array.isArray(value.ops)) return undefined;
  return value.ops.every(isOp) ? (value as unknown as Unit) : undefined;
}

export function isOp(value: unknown): value is Op {
  if (!isRecord(value) || !Array.isArray(value.p) || !isKind(value.k)) return false;
  switch (value.o) {
    case 'set':
      return isRecord(value.d) && typeof value.d._rid === 'string' && Number.isSafeInteger(value.n);
    case 'del':
      return typeof value.r === 'string';
    case 'ctr':
      return Number.isSafeInteger(value.n);
    default:
      return false;
  }
}

function isKind(value: unknown): value is Kind {
  return value === 'db' || value === 'coll' || value === 'doc' || value === 'udf';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
