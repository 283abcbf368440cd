import { expect } from 'vitest';
import type { LocalHost } from './local-host.js';

let sequence = 0;

/** A fresh 16-digit case reference per call, so tests can isolate their tasks from demo data. */
export function uniqueCaseId(): string {
  sequence += 1;
  return `9${String(process.pid % 1000).padStart(3, '0')}${String(Date.now() % 1e8).padStart(8, '0')}${String(sequence).padStart(4, '0')}`;
}

export const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString();

export function taskBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    caseId: uniqueCaseId(),
    jurisdiction: 'IA',
    locationId: '765324',
    title: 'Review appeal bundle',
    description: 'Check the bundle is complete',
    priority: 'high',
    dueDate: inDays(7),
    ...overrides,
  };
}

export interface CreatedTask {
  id: string;
  etag: string;
  body: Record<string, any>;
}

export async function createTask(host: LocalHost, overrides: Record<string, unknown> = {}, as: Parameters<LocalHost['call']>[1]['as'] = 'manager'): Promise<CreatedTask> {
  const response = await host.call('/v1/tasks', { method: 'POST', as, json: taskBody(overrides) });
  const body = await response.json();
  expect(response.status, JSON.stringify(body)).toBe(201);
  return { id: body.data.id, etag: response.headers.get('etag')!, body: body.data };
}

/** Asserts an RFC 9457 problem response and returns its body. */
export async function expectProblem(response: Response, status: number, field?: string): Promise<Record<string, any>> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const problem = JSON.parse(text);
  expect(problem).toMatchObject({ status, type: expect.any(String), title: expect.any(String), detail: expect.any(String), instance: expect.any(String) });
  expect(problem.correlationId).toBe(response.headers.get('x-correlation-id'));
  expect(text).not.toMatch(/\n\s+at /); // no stack trace
  if (field) expect(problem.errors?.map((error: { field: string }) => error.field)).toContain(field);
  return problem;
}
