import { describe, expect, it } from 'vitest';
import { requestViolations } from './contract-validator.js';

/**
 * The request side of the contract check the integration harness runs on every call: it must
 * refuse what the document refuses and allow what it allows, or the integration suite proves
 * nothing about requests.
 */
const TASK = '/v1/tasks/3f0c6f0e-8d9a-4b53-9d0f-2b1a4c6e8f10';
const json = { 'content-type': 'application/json' };
const violations = (method: string, url: string, options: { headers?: Record<string, string>; body?: unknown } = {}) =>
  requestViolations({
    method,
    url,
    headers: new Headers(options.headers),
    body: options.body === undefined ? undefined : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
  }).map((violation) => `${violation.part}: ${violation.message}`);

const newTask = { caseId: '1234567812345678', jurisdiction: 'IA', locationId: '765324', title: 'Review appeal bundle', dueDate: '2030-01-15T09:00:00Z' };

describe('requestViolations', () => {
  it('allows typed query parameters in their declared form, repeated filters included', () => {
    expect(violations('GET', '/v1/tasks?status=pending&status=in_progress&priority=high&limit=5&overdue=true&sort=dueDate&dueBefore=2030-01-01T00%3A00%3A00Z')).toEqual([]);
    expect(violations('GET', '/v1/tasks')).toEqual([]);
    expect(violations('GET', '/v1/users?active=false&role=caseworker&limit=100')).toEqual([]);
  });

  it.each([
    ['a comma-separated filter', '/v1/tasks?status=pending,in_progress', 'query.status'],
    ['a count that is not a number', '/v1/tasks?limit=five', 'query.limit'],
    ['a count out of range', '/v1/tasks?limit=101', 'query.limit'],
    ['a flag that is not a boolean', '/v1/tasks?overdue=yes', 'query.overdue'],
    ['a single-valued parameter repeated', '/v1/tasks?caseId=1234567812345678&caseId=1234567812345679', 'query.caseId'],
    ['an undeclared parameter', '/v1/tasks?colour=red', 'query.colour'],
    ['a malformed path parameter', '/v1/tasks/not-a-uuid', 'path.id'],
  ])('refuses %s', (_name, url, part) => {
    expect(violations('GET', url)).toEqual([expect.stringMatching(new RegExp(`^${part.replace('.', '\\.')}: `))]);
  });

  it('requires the headers the document requires, in their declared shape', () => {
    expect(violations('PATCH', TASK, { headers: { ...json, 'content-type': 'application/merge-patch+json' }, body: { priority: 'low' } })).toEqual([expect.stringMatching(/^header\.If-Match: .*required/)]);
    expect(violations('PATCH', TASK, { headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"3"' }, body: { priority: 'low' } })).toEqual([]);
    expect(violations('POST', '/v1/tasks', { headers: { ...json, 'idempotency-key': 'has spaces' }, body: newTask })).toEqual([expect.stringMatching(/^header\.Idempotency-Key: /)]);
  });

  it('checks the body against the media type and schema the document gives', () => {
    // Fields with a server-side default (description, priority) may be left out.
    expect(violations('POST', '/v1/tasks', { headers: json, body: newTask })).toEqual([]);
    expect(violations('POST', '/v1/tasks', { headers: json, body: { ...newTask, title: undefined } })).toEqual([expect.stringMatching(/^body: body must have required property 'title'/)]);
    expect(violations('POST', '/v1/tasks', { headers: json, body: { ...newTask, colour: 'red' } })).toEqual([expect.stringMatching(/additional properties/)]);
    expect(violations('POST', '/v1/tasks', { headers: { 'content-type': 'text/plain' }, body: 'hello' })).toEqual([expect.stringMatching(/content type text\/plain is not one of/)]);
    expect(violations('POST', '/v1/tasks', { headers: json, body: '{"caseId":' })).toEqual(['body: the body is not JSON']);
    expect(violations('POST', '/v1/tasks', { headers: json })).toEqual(['body: the request body is required']);
    expect(violations('GET', '/v1/tasks', { headers: json, body: {} })).toEqual(['body: the document describes no request body, but one was sent']);
  });

  it('types batch items: a bad item is named by its index', () => {
    const items = [
      { op: 'create', task: newTask },
      { op: 'update', id: TASK.split('/').at(-1), ifMatch: '"1"', patch: { priority: 'low' } },
      { op: 'update', id: TASK.split('/').at(-1), patch: { priority: 'low' } },
    ];
    expect(violations('POST', '/v1/tasks/batch', { headers: json, body: { items: items.slice(0, 2) } })).toEqual([]);
    const refused = requestViolations({ method: 'POST', url: '/v1/tasks/batch', headers: new Headers(json), body: JSON.stringify({ items }) });
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((violation) => violation.instancePath?.startsWith('/items/2'))).toBe(true);
  });

  it('refuses what is not an operation of the document', () => {
    expect(violations('GET', '/v1/nothing-here')).toEqual([expect.stringMatching(/no such path/)]);
    expect(violations('DELETE', '/v1/tasks')).toEqual([expect.stringMatching(/DELETE is not documented/)]);
  });
});
