// The registration capture goes first, so loading the functions registers them quietly (as
// dev/openapi.ts does); everything that imports @azure/functions is loaded after it.
import '../../../dev/functions-host/register.js';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { AnyEndpointSpec } from '../../../shared/http/endpoint.js';
import { ROUTES } from '../../../shared/http/routes.js';

const LONE_SURROGATE = '\ud800';
/** Endpoints whose inputs take no text at all (only switches), so there is nothing ill-formed to give them. */
const WITHOUT_TEXT: readonly string[] = ['users-me-update'];
const functionsDir = join(import.meta.dirname, '..', '..', '..', 'functions');

type Location = 'path' | 'query' | 'body';
let endpoints: AnyEndpointSpec[];
let parseRequestPart: typeof import('../../../shared/http/endpoint.js').parseRequestPart;
let statusOf: typeof import('../../../shared/http/problem-response.js').statusOf;
let isReportedError: typeof import('../../../shared/http/problem-response.js').isReportedError;
let ILL_FORMED_TEXT_MESSAGE: string;

beforeAll(async () => {
  for (const file of readdirSync(functionsDir).filter((name) => name.endsWith('.ts')).sort()) {
    await import(pathToFileURL(join(functionsDir, file)).href);
  }
  ({ REGISTERED_ENDPOINTS: endpoints, parseRequestPart } = await import('../../../shared/http/endpoint.js'));
  ({ statusOf, isReportedError } = await import('../../../shared/http/problem-response.js'));
  ({ ILL_FORMED_TEXT_MESSAGE } = await import('../../../shared/http/well-formed-text.js'));
});

/**
 * Every path in a schema's input where a string may be given, found by walking the zod definition
 * (objects, arrays, optional/nullable/default wrappers, pipes, unions); `unknown` counts, as a
 * string is one of the values it takes. Array elements are reached through index 0.
 */
function stringPaths(schema: z.ZodType, path: string[] = [], seen = new Set<unknown>()): string[][] {
  const def = (schema as unknown as { _zod: { def: Record<string, any> } })._zod.def;
  if (seen.has(def)) return [];
  seen.add(def);
  const paths = (() => {
    switch (def.type) {
      case 'string':
      case 'enum':
      case 'template_literal':
      case 'unknown':
      case 'any':
        return [path];
      case 'literal':
        return (def.values as unknown[]).some((value) => typeof value === 'string') ? [path] : [];
      case 'object':
        return Object.entries(def.shape as Record<string, z.ZodType>).flatMap(([key, member]) => stringPaths(member, [...path, key], seen));
      case 'array':
        return stringPaths(def.element, [...path, '0'], seen);
      case 'record':
        return stringPaths(def.valueType, [...path, 'key'], seen);
      case 'optional':
      case 'nullable':
      case 'default':
      case 'prefault':
      case 'catch':
      case 'readonly':
      case 'nonoptional':
        return stringPaths(def.innerType, path, seen);
      case 'pipe':
        return stringPaths(def.in, path, seen);
      case 'union':
        return (def.options as z.ZodType[]).flatMap((option) => stringPaths(option, path, seen));
      default:
        return [];
    }
  })();
  seen.delete(def);
  return paths;
}

/** `{ a: [ { b: value } ] }` for the path a.0.b. */
function inputWith(path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path as [string, ...string[]];
  return head === '0' ? [inputWith(rest, value)] : { [head]: inputWith(rest, value) };
}

function refusalOf(schema: z.ZodType | undefined, input: unknown, location: Location) {
  try {
    parseRequestPart(schema, input, location);
  } catch (error) {
    if (!isReportedError(error)) throw error;
    return { status: statusOf(error), errors: error.options.errors ?? [] };
  }
  return undefined;
}

describe('every endpoint refuses text that is not well-formed Unicode, naming the field', () => {
  it('finds the registered endpoints and their string fields', () => {
    expect(endpoints.map((spec) => spec.route).sort()).toEqual(Object.keys(ROUTES).sort());
    const withInputs = endpoints.filter((spec) => spec.params || spec.query || spec.body);
    expect(withInputs.length).toBeGreaterThanOrEqual(25);
    for (const spec of withInputs) {
      const fields = (['params', 'query', 'body'] as const).flatMap((part) => (spec[part] ? stringPaths(spec[part]) : []));
      if (WITHOUT_TEXT.includes(spec.name)) expect(fields, spec.name).toEqual([]);
      else expect(fields.length, spec.name).toBeGreaterThan(0);
    }
  });

  it('path parameters, query parameters and body fields: 400 naming each', () => {
    let checked = 0;
    for (const spec of endpoints) {
      for (const [part, location] of [['params', 'path'], ['query', 'query'], ['body', 'body']] as const) {
        const schema = spec[part];
        if (!schema) continue;
        for (const path of stringPaths(schema)) {
          // A query parameter arrives as a string (or strings, when repeated) and is named by its name.
          const named = location === 'query' ? path.slice(0, 1) : path;
          const input = inputWith(location === 'query' ? named : path, LONE_SURROGATE);
          const refusal = refusalOf(schema, input, location);
          const where = `${spec.name} ${location} ${path.join('.')}`;
          expect(refusal, where).toBeDefined();
          expect(refusal!.status, where).toBe(400);
          expect(refusal!.errors, where).toContainEqual({ in: location, field: named.join('.') || '(root)', message: ILL_FORMED_TEXT_MESSAGE });
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(90);
  });

  it('inside items that are validated one by one (batch items, import rows), and in field names', () => {
    const batch = endpoints.find((spec) => spec.name === 'tasks-batch')!;
    const item = { op: 'create', task: { caseId: '1234567812345678', title: `Review${LONE_SURROGATE}` } };
    expect(refusalOf(batch.body, { items: [{ op: 'create', task: {} }, item] }, 'body')).toEqual({
      status: 400,
      errors: [{ in: 'body', field: 'items.1.task.title', message: ILL_FORMED_TEXT_MESSAGE }],
    });
    const caseImport = endpoints.find((spec) => spec.name === 'cases-import')!;
    expect(refusalOf(caseImport.body, { cases: [{}, {}, { caseName: LONE_SURROGATE }] }, 'body')?.errors).toEqual([
      { in: 'body', field: 'cases.2.caseName', message: ILL_FORMED_TEXT_MESSAGE },
    ]);
    const create = endpoints.find((spec) => spec.name === 'tasks-create')!;
    expect(refusalOf(create.body, { [`x${LONE_SURROGATE}`]: 1 }, 'body')?.errors).toEqual([
      { in: 'body', field: 'x\\uD800', message: expect.stringMatching(/field name/) },
    ]);
  });

  it('query parameters of endpoints that take none', () => {
    const health = endpoints.find((spec) => spec.name === 'health')!;
    expect(health.query).toBeUndefined();
    expect(refusalOf(undefined, { [LONE_SURROGATE]: 'x' }, 'query')?.errors).toEqual([
      { in: 'query', field: '\\uD800', message: expect.stringMatching(/field name/) },
    ]);
  });
});
