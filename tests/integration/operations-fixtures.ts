import { expect } from 'vitest';
import type { LocalHost } from './local-host.js';

type As = NonNullable<Parameters<LocalHost['call']>[1]>['as'];

export const CSV_HEADER = 'caseId,jurisdiction,locationId,caseName,caseType';

let userSequence = 0;

/** A new caseworker in the directory (as admin), so each test owns the tasks it moves. */
export async function createCaseworker(host: LocalHost, jurisdictions: string[], locations: string[] = []): Promise<string> {
  userSequence += 1;
  const id = `op-${process.pid}-${Date.now()}-${userSequence}`;
  const response = await host.call('/v1/users', {
    method: 'POST',
    as: 'admin',
    json: { id, name: `Operations caseworker ${userSequence}`, email: `${id}@example.test`, roles: ['caseworker'], jurisdictions, locations },
  });
  expect(response.status, await response.clone().text()).toBe(201);
  return id;
}

/** POSTs a body that starts an operation; asserts 202 + Location and returns the operation. */
export async function startOperation(host: LocalHost, path: string, as: As, body: { json: unknown } | { csv: string }): Promise<Record<string, any>> {
  const init = 'json' in body ? { json: body.json } : { headers: { 'content-type': 'text/csv' }, body: body.csv };
  const response = await host.call(path, { method: 'POST', as, ...init });
  const json = await response.json();
  expect(response.status, JSON.stringify(json)).toBe(202);
  expect(response.headers.get('location')).toBe(`/api/v1/operations/${json.data.id}`);
  return json.data;
}

export async function getOperation(host: LocalHost, id: string, as: As = 'admin'): Promise<Record<string, any>> {
  const response = await host.call(`/v1/operations/${id}`, { as });
  const json = await response.json();
  expect(response.status, JSON.stringify(json)).toBe(200);
  return json.data;
}

const TERMINAL = ['succeeded', 'completed_with_errors', 'failed'];

/** Polls the operation until `done` holds (by default: a terminal status). */
export async function waitForOperation(
  host: LocalHost,
  id: string,
  done: (operation: Record<string, any>) => boolean = (operation) => TERMINAL.includes(operation.status),
  timeoutMs = 60_000,
): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const operation = await getOperation(host, id);
    if (done(operation)) return operation;
    if (Date.now() > deadline) throw new Error(`operation ${id} did not get there in time: ${JSON.stringify(operation)}`);
    await new Promise((wait) => setTimeout(wait, 100));
  }
}

/** Runs `work` over `items`, `parallel` at a time (creating a few hundred tasks over HTTP). */
export async function inBatches<T, R>(items: readonly T[], parallel: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += parallel) results.push(...(await Promise.all(items.slice(start, start + parallel).map(work))));
  return results;
}

/** The distinct case references of a CSV import: 16 digits, unique per test run. */
export function caseIds(count: number, prefix: string): string[] {
  const base = `${prefix}${String(Date.now() % 1e6).padStart(6, '0')}`;
  return Array.from({ length: count }, (_, i) => `${base}${String(i).padStart(16 - base.length, '0')}`);
}
