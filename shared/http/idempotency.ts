import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpResponseInit } from '@azure/functions';
import canonicalize from 'canonicalize';
import { IDEMPOTENCY_RETENTION_SECONDS } from '../config/entities.js';
import { validationError } from '../errors/app-error.js';
import type { Services } from '../services.js';
import { isPreconditionFailed } from '../store/cosmos-errors.js';
import type { IdempotencyRecord, RecordedResponse, StoredIdempotencyRecord } from '../store/idempotency-repository.js';
import { ApiError } from './api-error.js';
import type { RouteName } from './routes.js';

/**
 * Idempotency-Key (IETF httpapi draft "The Idempotency-Key HTTP Header Field") for the endpoints
 * that create something (`idempotencyKey: true` on their EndpointSpec):
 *
 * - The key is the caller's: the record id is a hash of the caller's user id and the key, so two
 *   callers never share one.
 * - The record is created *before* the request runs, with a single-document create: Cosmos
 *   lets exactly one create of an id succeed, so of any number of concurrent requests with one key
 *   exactly one runs; the others find its record (409 from the create) and wait for its response.
 * - A 2xx response is recorded (status, headers such as Location and ETag, and the body, byte for
 *   byte) and replayed to every retry with the same key and the same request. Anything else
 *   releases the key (a failure created nothing the client could rely on; a retry runs again).
 * - The same key with a different request (route, parameters or body) is a 422; a retry while the
 *   first is still running waits up to WAIT_FOR_FIRST_MS, then gets a 409 with Retry-After.
 * - Records are remembered IDEMPOTENCY_RETENTION_SECONDS (24 h): the container's TTL deletes them
 *   in Cosmos, and `expiresAt` makes an old one count as absent where TTL does not run (the
 *   embedded local database ignores TTL).
 */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';

/** 1-255 visible ASCII characters: no spaces, no control or non-ASCII characters. */
const KEY_FORMAT = /^[\x21-\x7E]{1,255}$/;

/** How long a retry waits for the first request with its key to finish before a 409. */
export const WAIT_FOR_FIRST_MS = 2_000;
const POLL_MS = 100;

/**
 * How long a key stays in progress before another request may take it over: longer than any
 * request can run (host.json functionTimeout, 5 minutes; a test checks), so a key is only taken
 * from a request that is dead (its process crashed before recording or releasing it).
 */
export const IN_PROGRESS_LEASE_SECONDS = 330;

export interface IdempotentRequest {
  /** The caller's user id. */
  caller: string;
  key: string;
  /** requestFingerprint() of the request. */
  fingerprint: string;
}

export type IdempotencyDeps = Pick<Services, 'idempotency' | 'now'>;

/** The Idempotency-Key of a request, if it sent one; a 400 naming the header when it is malformed. */
export function readIdempotencyKey(headers: { get(name: string): string | null }): string | undefined {
  const value = headers.get(IDEMPOTENCY_KEY_HEADER);
  if (value === null) return undefined;
  if (!KEY_FORMAT.test(value)) {
    throw validationError([
      { in: 'header', field: IDEMPOTENCY_KEY_HEADER, message: 'must be 1-255 visible ASCII characters (no spaces), sent once; a UUID is a good key' },
    ]);
  }
  return value;
}

/**
 * What makes two requests "the same request": the route, path and query parameters, and the
 * decoded body as RFC 8785 canonical JSON (so key order and white space do not matter; values do).
 */
export function requestFingerprint(route: RouteName, parts: { params: unknown; query: unknown; body: unknown }): string {
  const canonical = canonicalize([route, parts.params ?? null, parts.query ?? null, parts.body ?? null]);
  return createHash('sha256').update(canonical ?? '').digest('base64url');
}

/** The record id: the caller and the key, hashed (the key itself is never stored). */
export function idempotencyRecordId(caller: string, key: string): string {
  return createHash('sha256').update(JSON.stringify([caller, key])).digest('base64url');
}

/**
 * Runs `execute` at most once per (caller, key) within the retention window, and answers every
 * retry with the first response. See the module comment for the rules.
 */
export async function runIdempotently(
  deps: IdempotencyDeps,
  request: IdempotentRequest,
  execute: () => Promise<HttpResponseInit>,
  log: { warn(...args: unknown[]): void },
): Promise<HttpResponseInit> {
  const id = idempotencyRecordId(request.caller, request.key);
  const waitUntil = Date.now() + WAIT_FOR_FIRST_MS;
  // Create first (the common case: a new key); while someone else's record is there, only read it.
  let mayCreate = true;
  for (;;) {
    const now = deps.now();
    const fresh = newRecord(id, request.fingerprint, now);
    if (mayCreate) {
      const created = await deps.idempotency.create(fresh);
      if (created) return runAndRecord(deps, created, execute, log);
    }
    const existing = await deps.idempotency.get(id);
    mayCreate = existing === undefined;
    if (existing) {
      const { record } = existing;
      if (countsAsAbsent(record, now)) {
        const taken = await takeOver(deps, fresh, existing);
        if (taken) return runAndRecord(deps, taken, execute, log);
      } else {
        if (record.fingerprint !== request.fingerprint) throw keyReused();
        if (record.state === 'completed' && record.response) return replay(record.response);
      }
    }
    // In progress (or released or taken over just now): look again shortly, for a while.
    if (Date.now() >= waitUntil) throw keyInUse();
    await sleep(POLL_MS);
  }
}

function newRecord(id: string, fingerprint: string, now: Date): IdempotencyRecord {
  return {
    id,
    fingerprint,
    state: 'inProgress',
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + IDEMPOTENCY_RETENTION_SECONDS * 1000).toISOString(),
    leaseUntil: new Date(now.getTime() + IN_PROGRESS_LEASE_SECONDS * 1000).toISOString(),
    response: null,
  };
}

/** Past its retention (TTL has not removed it yet, or never will locally), or in progress by a dead request. */
function countsAsAbsent(record: IdempotencyRecord, now: Date): boolean {
  const at = now.toISOString();
  return record.expiresAt <= at || (record.state === 'inProgress' && record.leaseUntil !== null && record.leaseUntil <= at);
}

/** Replaces an absent-in-effect record with ours, if nobody else did first. */
async function takeOver(deps: IdempotencyDeps, fresh: IdempotencyRecord, existing: StoredIdempotencyRecord): Promise<StoredIdempotencyRecord | undefined> {
  try {
    return await deps.idempotency.replace(fresh, existing);
  } catch (error) {
    if (isPreconditionFailed(error)) return undefined;
    throw error;
  }
}

async function runAndRecord(
  deps: IdempotencyDeps,
  stored: StoredIdempotencyRecord,
  execute: () => Promise<HttpResponseInit>,
  log: { warn(...args: unknown[]): void },
): Promise<HttpResponseInit> {
  let response: HttpResponseInit;
  try {
    response = await execute();
  } catch (error) {
    await release(deps, stored, log);
    throw error;
  }
  const recorded = recordable(response);
  if (!recorded) {
    await release(deps, stored, log);
    return response;
  }
  try {
    await deps.idempotency.replace({ ...stored.record, state: 'completed', leaseUntil: null, response: recorded }, stored);
  } catch (error) {
    // The request succeeded; only its replay is lost. The key stays in progress until its lease
    // ends (retries get 409 meanwhile), then a retry runs the request again.
    log.warn(`Recording the response for an Idempotency-Key failed; a retry after ${IN_PROGRESS_LEASE_SECONDS} s runs the request again.`, error);
  }
  return response;
}

async function release(deps: IdempotencyDeps, stored: StoredIdempotencyRecord, log: { warn(...args: unknown[]): void }): Promise<void> {
  try {
    await deps.idempotency.remove(stored);
  } catch (error) {
    log.warn(`Releasing an Idempotency-Key failed; retries with it get 409 for up to ${IN_PROGRESS_LEASE_SECONDS} s.`, error);
  }
}

/** A 2xx response with a text body (or none), as it can be replayed; undefined for anything else. */
function recordable(response: HttpResponseInit): RecordedResponse | undefined {
  const status = response.status ?? 200;
  if (status < 200 || status > 299) return undefined;
  if (response.body !== undefined && response.body !== null && typeof response.body !== 'string') return undefined;
  const headers: Record<string, string> = {};
  new Headers(response.headers as ConstructorParameters<typeof Headers>[0]).forEach((value, name) => {
    headers[name] = value;
  });
  return { status, headers, body: response.body ?? null };
}

function replay(recorded: RecordedResponse): HttpResponseInit {
  return { status: recorded.status, headers: { ...recorded.headers }, ...(recorded.body === null ? {} : { body: recorded.body }) };
}

function keyReused(): ApiError {
  return new ApiError(
    'idempotencyKeyReused',
    'This Idempotency-Key was already used for a different request (another route, parameters or body). Use a new key for a new request.',
    { errors: [{ in: 'header', field: IDEMPOTENCY_KEY_HEADER, message: 'was already used for a different request' }] },
  );
}

function keyInUse(): ApiError {
  return new ApiError('idempotencyKeyInUse', 'A request with this Idempotency-Key is still in progress. Retry shortly to get its response.', {
    headers: { 'Retry-After': '1' },
  });
}
