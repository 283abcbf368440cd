import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpResponseInit } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY_RETENTION_SECONDS } from '../../../shared/config/entities.js';
import { ApiError } from '../../../shared/http/api-error.js';
import {
  IN_PROGRESS_LEASE_SECONDS,
  WAIT_FOR_FIRST_MS,
  idempotencyRecordId,
  readIdempotencyKey,
  requestFingerprint,
  runIdempotently,
} from '../../../shared/http/idempotency.js';
import { AppError } from '../../../shared/errors/app-error.js';
import { startWorld, type UseCaseWorld } from './harness.js';

let world: UseCaseWorld;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => world?.close());

const log = { warn: () => {} };
let keys = 0;
const newKey = () => `key-${process.pid}-${++keys}`;
const fingerprint = (title: string) => requestFingerprint('tasksCreate', { params: {}, query: {}, body: { title } });

/** A stand-in for a handler: counts its runs, answers 201 with a body naming the run. */
function counter(options: { status?: number; delayMs?: number; fail?: boolean } = {}) {
  let runs = 0;
  const execute = async (): Promise<HttpResponseInit> => {
    runs += 1;
    const run = runs;
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
    if (options.fail) throw new AppError('unavailable', 'down', { retryAfterSeconds: 1 });
    return {
      status: options.status ?? 201,
      headers: { 'Content-Type': 'application/json; charset=utf-8', Location: `/api/v1/tasks/${run}`, ETag: `"${run}"` },
      body: JSON.stringify({ run }),
    };
  };
  return { execute, runs: () => runs };
}

const run = (caller: string, key: string, print: string, execute: () => Promise<HttpResponseInit>) =>
  runIdempotently(world.services, { caller, key, fingerprint: print }, execute, log);

const caught = async (promise: Promise<unknown>): Promise<unknown> => promise.then(() => expect.unreachable('it succeeded'), (error: unknown) => error);

describe('Idempotency-Key', () => {
  it('runs once and replays the first response (status, headers, body) to a retry', async () => {
    const key = newKey();
    const handler = counter();
    const first = await run('u1', key, fingerprint('a'), handler.execute);
    const second = await run('u1', key, fingerprint('a'), handler.execute);
    expect(handler.runs()).toBe(1);
    expect(second.status).toBe(201);
    expect(second.body).toBe(first.body);
    const headers = new Headers(second.headers as Record<string, string>);
    expect(headers.get('location')).toBe('/api/v1/tasks/1');
    expect(headers.get('etag')).toBe('"1"');
  });

  it('refuses the same key with a different request (422 naming the header)', async () => {
    const key = newKey();
    const handler = counter();
    await run('u1', key, fingerprint('a'), handler.execute);
    const error = await caught(run('u1', key, fingerprint('b'), handler.execute));
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).kind).toBe('idempotencyKeyReused');
    expect((error as ApiError).options.errors?.[0]).toMatchObject({ in: 'header', field: 'Idempotency-Key' });
    expect(handler.runs()).toBe(1);
  });

  it('scopes keys per caller', async () => {
    const key = newKey();
    const handler = counter();
    await run('u1', key, fingerprint('a'), handler.execute);
    await run('u2', key, fingerprint('a'), handler.execute);
    expect(handler.runs()).toBe(2);
    expect(idempotencyRecordId('u1', key)).not.toBe(idempotencyRecordId('u2', key));
  });

  it('releases the key when the request fails or answers other than 2xx, so a retry runs again', async () => {
    const key = newKey();
    await expect(run('u1', key, fingerprint('a'), counter({ fail: true }).execute)).rejects.toMatchObject({ kind: 'unavailable' });
    const handler = counter({ status: 304 });
    await run('u1', key, fingerprint('a'), handler.execute);
    await run('u1', key, fingerprint('a'), handler.execute);
    expect(handler.runs()).toBe(2);
    expect(await world.services.idempotency.get(idempotencyRecordId('u1', key))).toBeUndefined();
  });

  it('forgets a key after the retention window even where TTL does not run (the embedded database)', async () => {
    const key = newKey();
    const handler = counter();
    await run('u1', key, fingerprint('a'), handler.execute);
    const stored = await world.services.idempotency.get(idempotencyRecordId('u1', key));
    expect(Date.parse(stored!.record.expiresAt) - Date.parse(stored!.record.createdAt)).toBe(IDEMPOTENCY_RETENTION_SECONDS * 1000);
    world.clock.advance(IDEMPOTENCY_RETENTION_SECONDS * 1000 + 1000);
    // Expired counts as absent: runs again, even with another body.
    await run('u1', key, fingerprint('b'), handler.execute);
    expect(handler.runs()).toBe(2);
  });

  it('answers 409 with Retry-After while the first request runs, after waiting briefly', async () => {
    const key = newKey();
    const slow = counter({ delayMs: WAIT_FOR_FIRST_MS + 1500 });
    const first = run('u1', key, fingerprint('a'), slow.execute);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    const error = await caught(run('u1', key, fingerprint('a'), counter().execute));
    expect(Date.now() - started).toBeGreaterThanOrEqual(WAIT_FOR_FIRST_MS - 100);
    expect(error).toMatchObject({ kind: 'idempotencyKeyInUse', options: { headers: { 'Retry-After': '1' } } });
    await first;
    expect(slow.runs()).toBe(1);
  });

  it('a retry waiting on the first request gets its response once it finishes', async () => {
    const key = newKey();
    const handler = counter({ delayMs: 300 });
    const [first, second] = await Promise.all([run('u1', key, fingerprint('a'), handler.execute), run('u1', key, fingerprint('a'), handler.execute)]);
    expect(handler.runs()).toBe(1);
    expect(second.body).toBe(first.body);
  });

  it('of many concurrent requests with one key, exactly one runs', async () => {
    const key = newKey();
    const handler = counter({ delayMs: 50 });
    const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => run('u1', key, fingerprint('a'), handler.execute)));
    expect(handler.runs()).toBe(1);
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') expect(outcome.value.body).toBe(JSON.stringify({ run: 1 }));
      else expect(outcome.reason).toMatchObject({ kind: 'idempotencyKeyInUse' });
    }
  });

  it('takes over a key whose request died in progress, once its lease has ended', async () => {
    const key = newKey();
    const id = idempotencyRecordId('u1', key);
    const now = world.clock.now();
    await world.services.idempotency.create({
      id,
      fingerprint: fingerprint('a'),
      state: 'inProgress',
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + IDEMPOTENCY_RETENTION_SECONDS * 1000).toISOString(),
      leaseUntil: new Date(now.getTime() + IN_PROGRESS_LEASE_SECONDS * 1000).toISOString(),
      response: null,
    });
    world.clock.advance(IN_PROGRESS_LEASE_SECONDS * 1000 + 1000);
    const handler = counter();
    await run('u1', key, fingerprint('a'), handler.execute);
    expect(handler.runs()).toBe(1);
    expect((await world.services.idempotency.get(id))!.record.state).toBe('completed');
  });

  it('the in-progress lease outlasts any request: longer than host.json functionTimeout', () => {
    const host = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', 'host.json'), 'utf8')) as { functionTimeout: string };
    const [hours, minutes, seconds] = host.functionTimeout.split(':').map(Number) as [number, number, number];
    expect(IN_PROGRESS_LEASE_SECONDS).toBeGreaterThan(hours * 3600 + minutes * 60 + seconds);
  });
});

describe('Idempotency-Key header and request fingerprint', () => {
  const headers = (value: string | null) => ({ get: () => value });

  it('accepts 1-255 visible ASCII characters, and no header at all', () => {
    expect(readIdempotencyKey(headers(null))).toBeUndefined();
    for (const key of ['a', 'x'.repeat(255), '8e03978e-40d5-43e8-bc93-6894a57f9324', '"quoted-sf-string"', '!~']) expect(readIdempotencyKey(headers(key))).toBe(key);
  });

  it('refuses anything else with a 400 naming the header', () => {
    for (const key of ['', 'x'.repeat(256), 'has space', 'tab\there', 'caf\u00e9', 'a, b', 'line\nbreak']) {
      let error: unknown;
      try {
        readIdempotencyKey(headers(key));
      } catch (thrown) {
        error = thrown;
      }
      expect(error, JSON.stringify(key)).toBeInstanceOf(AppError);
      expect((error as AppError).options.errors?.[0]).toMatchObject({ in: 'header', field: 'Idempotency-Key' });
    }
  });

  it('the fingerprint ignores key order and white space, not values, routes or parameters', () => {
    const a = requestFingerprint('tasksCreate', { params: {}, query: {}, body: JSON.parse('{"a":1,"b":[1,2]}') });
    expect(requestFingerprint('tasksCreate', { params: {}, query: {}, body: JSON.parse('{ "b": [1, 2],  "a": 1 }') })).toBe(a);
    expect(requestFingerprint('tasksCreate', { params: {}, query: {}, body: { a: 1, b: [2, 1] } })).not.toBe(a);
    expect(requestFingerprint('usersCreate', { params: {}, query: {}, body: { a: 1, b: [1, 2] } })).not.toBe(a);
    expect(requestFingerprint('tasksCreate', { params: { id: 'x' }, query: {}, body: { a: 1, b: [1, 2] } })).not.toBe(a);
  });
});
