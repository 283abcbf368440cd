import OpenAPISampler from 'openapi-sampler';
import { PROBLEM_TYPES } from '../http/problem-types.js';

/**
 * Examples for every operation of the generated document: each required parameter, request body
 * and response gets one, so the docs page shows a filled-in request and answer for everything and a
 * mock server (Prism) has something to return. Where a schema carries its own example (a task, a
 * case reference, a date) that is what appears; the rest is composed from the schemas by
 * openapi-sampler (Redocly's sampler), so examples cannot drift from the schemas they illustrate.
 * tests/contract/openapi-document.test.ts validates each one against its schema.
 */

type Json = Record<string, unknown>;

const CORRELATION_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TASK_PATH = '/api/v1/tasks/3f0c6f0e-8d9a-4b53-9d0f-2b1a4c6e8f10';

/** What a problem of each status says in the example; the type and title come from PROBLEM_TYPES. */
const PROBLEM_DETAILS: Readonly<Record<number, { detail: string; errors?: Json[] }>> = {
  400: { detail: 'dueDate: must be in the future', errors: [{ in: 'body', field: 'dueDate', message: 'must be in the future' }] },
  401: { detail: 'The bearer token has expired.' },
  403: { detail: 'You may not assign this task.' },
  404: { detail: 'No task 3f0c6f0e-8d9a-4b53-9d0f-2b1a4c6e8f10 exists that you can see.' },
  409: { detail: 'Cannot claim the task: the task is already assigned to c0000000-0000-4000-8000-000000000002.' },
  412: { detail: 'The resource has changed since you read it. Fetch it again and retry with the new ETag.' },
  413: { detail: 'The request body is larger than 65536 bytes.' },
  415: { detail: 'Send the body as application/json.' },
  422: { detail: 'This Idempotency-Key was already used for a different request.' },
  428: { detail: 'Send If-Match with the ETag you last read, so changes made since are not overwritten.' },
  429: { detail: 'Rate limit is exceeded. Try again in 12 seconds.' },
  500: { detail: 'Something went wrong on our side. Quote the correlation id when you report it.' },
  503: { detail: 'The database did not answer in time. Retry after the time in Retry-After.' },
};

/** An RFC 9457 problem of a status, as the API answers it. */
export function problemExample(status: number): Json {
  const kind = Object.values(PROBLEM_TYPES).find((candidate) => candidate.status === status);
  const { detail, errors } = PROBLEM_DETAILS[status] ?? { detail: kind?.title ?? 'Problem' };
  return {
    type: kind?.type ?? 'about:blank',
    title: kind?.title ?? 'Problem',
    status,
    detail,
    instance: TASK_PATH,
    correlationId: CORRELATION_ID,
    ...(errors ? { errors } : {}),
  };
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Media types whose examples are composed from the schema; the others (HTML, CSS, CSV...) say what they hold. */
const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');

const TEXT_EXAMPLES: Readonly<Record<string, string>> = {
  'text/csv': 'caseId,jurisdiction,locationId,caseName,caseType\n1234567812345678,IA,765324,"Smith, John v SSHD",Asylum\n',
  'text/html': '<!doctype html><html lang="en"><head><title>Caseload API</title></head><body><div id="swagger-ui"></div></body></html>',
  'text/css': '.swagger-ui { font-family: sans-serif; }',
  'text/javascript': "window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui' });",
};

/** Fills in every missing example of the document's operations, in place; returns the document. */
export function addExamples<T extends object>(document: T): T {
  const spec = document as unknown as Json;
  const sample = (schema: unknown) => OpenAPISampler.sample(schema as Json, { skipReadOnly: true, skipNonRequired: false, quiet: true, enablePatterns: true }, spec);
  const withExample = (content: Record<string, Json> | undefined) => {
    for (const [mediaType, media] of Object.entries(content ?? {})) {
      if ('example' in media || 'examples' in media) continue;
      if (isJson(mediaType)) media.example = sample(media.schema);
      else if (TEXT_EXAMPLES[mediaType] !== undefined) media.example = TEXT_EXAMPLES[mediaType];
    }
  };
  for (const item of Object.values((spec.paths ?? {}) as Record<string, Json>)) {
    for (const [method, value] of Object.entries(item)) {
      if (!HTTP_METHODS.includes(method)) continue;
      const operation = value as Json;
      // Required parameters only: the docs page puts a parameter's example into "Try it", where an
      // optional one would become a filter (or a reused Idempotency-Key) nobody asked for.
      for (const parameter of (operation.parameters ?? []) as Json[]) {
        if (parameter.required !== true) continue;
        if (!('example' in parameter) && !('examples' in parameter) && parameter.schema) parameter.example = sample(parameter.schema);
      }
      withExample((operation.requestBody as Json | undefined)?.content as Record<string, Json> | undefined);
      for (const response of Object.values((operation.responses ?? {}) as Record<string, Json>)) {
        if (!('$ref' in response)) withExample(response.content as Record<string, Json> | undefined);
      }
    }
  }
  return document;
}
