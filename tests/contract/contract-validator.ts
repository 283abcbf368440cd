import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { OPENAPI_DOCUMENT_PATH } from '../../shared/openapi/document-file.js';

/**
 * Checks real requests and responses against the committed OpenAPI document. A response: the
 * operation must exist, the status must be documented, required headers present, the media type
 * one the document lists, and a JSON body valid against the documented schema. A request: its path
 * parameters, query parameters (typed, in the declared serialization), headers and body against the
 * operation's parameters and request body. The integration harness runs every call through both,
 * so a response the contract does not describe, or a request it refuses that the API accepted, fails
 * the test that made it.
 */
interface Doc {
  paths: Record<string, Record<string, OperationObject>>;
  components?: { responses?: Record<string, ResponseObject> };
}
interface OperationObject {
  parameters?: ParameterObject[];
  requestBody?: { required?: boolean; content: Record<string, { schema?: unknown }> };
  responses: Record<string, ResponseObject>;
}
interface ParameterObject {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  style?: string;
  explode?: boolean;
  schema: { type?: string | string[]; items?: { type?: string } };
}
interface ResponseObject {
  $ref?: string;
  headers?: Record<string, { required?: boolean }>;
  content?: Record<string, { schema?: unknown }>;
}

const document = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', OPENAPI_DOCUMENT_PATH), 'utf8')) as Doc;

// strict: false because an OpenAPI document carries keywords (example, discriminator…) that are not JSON Schema.
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (instance: Ajv2020) => void)(ajv);
ajv.addSchema(document as object, 'openapi');

const pointer = (...segments: string[]) => segments.map((segment) => segment.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

/** Path templates, literal ones first, each with a matcher: the Functions host's precedence. */
const templates = Object.keys(document.paths)
  .map((template) => ({
    template,
    params: (template.match(/\{/g) ?? []).length,
    regex: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }))
  .sort((a, b) => a.params - b.params);

const validators = new Map<string, ValidateFunction>();

/** The compiled validator of the schema at a JSON pointer of the document, compiled once. */
function validatorAt(...segments: string[]): ValidateFunction | undefined {
  const ref = `openapi#/${pointer(...segments)}`;
  let validate = validators.get(ref);
  if (!validate) {
    validate = ajv.getSchema(ref);
    if (validate) validators.set(ref, validate);
  }
  return validate;
}

function resolve(response: ResponseObject): ResponseObject {
  if (!response.$ref) return response;
  const name = response.$ref.replace('#/components/responses/', '');
  return document.components?.responses?.[name] ?? {};
}

export interface ObservedResponse {
  method: string;
  /** Path after /api, without the query string, e.g. /v1/tasks/123. */
  path: string;
  status: number;
  headers: Headers;
  body: string;
}

/** The contract violations of one response; empty when it matches the document. */
export function contractViolations(observed: ObservedResponse): string[] {
  const where = `${observed.method} ${observed.path} → ${observed.status}`;
  const match = templates.find((candidate) => candidate.regex.test(observed.path));
  if (!match) return [`${where}: no such path in the document`];
  const method = observed.method.toLowerCase();
  const operation = document.paths[match.template]?.[method];
  if (!operation) return [`${where}: ${method.toUpperCase()} is not documented for ${match.template}`];
  const raw = operation.responses[String(observed.status)] ?? operation.responses.default;
  if (!raw) return [`${where}: status ${observed.status} is not documented (documented: ${Object.keys(operation.responses).join(', ')})`];
  const response = resolve(raw);
  const violations: string[] = [];

  for (const [name, header] of Object.entries(response.headers ?? {})) {
    if (header.required && !observed.headers.has(name)) violations.push(`${where}: required header ${name} is missing`);
  }

  const mediaType = observed.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase();
  if (!response.content) {
    if (observed.body.length > 0) violations.push(`${where}: the document describes no body, but one was sent (${mediaType})`);
    return violations;
  }
  if (!mediaType || !(mediaType in response.content)) {
    violations.push(`${where}: content type ${mediaType} is not one of ${Object.keys(response.content).join(', ')}`);
    return violations;
  }
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) {
    const statusKey = operation.responses[String(observed.status)] ? String(observed.status) : 'default';
    const ref = raw.$ref
      ? `openapi#/${pointer('components', 'responses', raw.$ref.replace('#/components/responses/', ''), 'content', mediaType, 'schema')}`
      : `openapi#/${pointer('paths', match.template, method, 'responses', statusKey, 'content', mediaType, 'schema')}`;
    let validate = validators.get(ref);
    if (!validate) {
      validate = ajv.getSchema(ref);
      if (!validate) return [...violations, `${where}: no schema at ${ref}`];
      validators.set(ref, validate);
    }
    let body: unknown;
    try {
      body = JSON.parse(observed.body);
    } catch {
      return [...violations, `${where}: the body is not JSON`];
    }
    if (!validate(body)) {
      violations.push(`${where}: body does not match the schema: ${ajv.errorsText(validate.errors, { dataVar: 'body' })}`);
    }
  }
  return violations;
}

export interface ObservedRequest {
  method: string;
  /** Path after /api with the query string, as sent, e.g. /v1/tasks?status=pending&status=in_progress. */
  url: string;
  headers: Headers;
  /** The body as sent, if any. */
  body: string | undefined;
}

export interface RequestViolation {
  /** Where in the request: a parameter (`query.limit`, `header.If-Match`), `body`, or the operation itself. */
  part: string;
  /** For body violations, the JSON pointer of the offending value (e.g. /items/3/task/title). */
  instancePath?: string;
  message: string;
}

/** What a query or path value means for a parameter whose schema types it (the wire carries text). */
function typed(value: string, type: string | string[] | undefined): unknown {
  const types = Array.isArray(type) ? type : [type];
  if ((types.includes('integer') || types.includes('number')) && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (types.includes('boolean') && (value === 'true' || value === 'false')) return value === 'true';
  return value;
}

/** The parts of a JSON media type that the document describes as JSON. */
const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');

/**
 * The contract violations of one request; empty when the document allows it. Query parameters are
 * read as application/x-www-form-urlencoded; one declared `explode: true` array collects every
 * repetition, any other parameter must be given once; parameters the document does not declare
 * are violations (the API refuses them too). Security requirements are not checked here: tests
 * send requests without a token on purpose, and the app's 401 is itself checked as a response.
 */
export function requestViolations(observed: ObservedRequest): RequestViolation[] {
  const [path = '', search = ''] = observed.url.split(/\?(.*)/s, 2);
  const match = templates.find((candidate) => candidate.regex.test(path));
  if (!match) return [{ part: 'operation', message: `${observed.method} ${path}: no such path in the document` }];
  const method = observed.method.toLowerCase();
  const operation = document.paths[match.template]?.[method];
  if (!operation) return [{ part: 'operation', message: `${method.toUpperCase()} is not documented for ${match.template}` }];
  const violations: RequestViolation[] = [];
  const check = (part: string, value: unknown, ...segments: string[]) => {
    const validate = validatorAt('paths', match.template, method, ...segments);
    if (!validate) return violations.push({ part, message: `no schema at ${segments.join('/')}` });
    if (!validate(value)) violations.push({ part, message: ajv.errorsText(validate.errors, { dataVar: part }) });
  };

  const names = [...match.template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const captured = new RegExp(`^${match.template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '([^/]+)')}$`).exec(path)!.slice(1);
  const query = new URLSearchParams(search);
  const declaredQuery = new Set<string>();
  (operation.parameters ?? []).forEach((parameter, index) => {
    const part = `${parameter.in}.${parameter.name}`;
    const schemaAt = ['parameters', String(index), 'schema'];
    if (parameter.in === 'path') {
      let value: string;
      try {
        value = decodeURIComponent(captured[names.indexOf(parameter.name)] ?? '');
      } catch {
        return violations.push({ part, message: `${part} is not a valid percent-encoded segment` });
      }
      check(part, typed(value, parameter.schema.type), ...schemaAt);
    } else if (parameter.in === 'query') {
      declaredQuery.add(parameter.name);
      const values = query.getAll(parameter.name);
      if (values.length === 0) {
        if (parameter.required) violations.push({ part, message: `${part} is required` });
        return;
      }
      if (parameter.schema.type === 'array') {
        if ((parameter.style ?? 'form') !== 'form' || parameter.explode === false) return violations.push({ part, message: `${part}: only style form with explode is read here` });
        check(part, values.map((value) => typed(value, parameter.schema.items?.type)), ...schemaAt);
      } else if (values.length > 1) {
        violations.push({ part, message: `${part} is given ${values.length} times; the document declares one value` });
      } else {
        check(part, typed(values[0]!, parameter.schema.type), ...schemaAt);
      }
    } else if (parameter.in === 'header') {
      const value = observed.headers.get(parameter.name);
      if (value === null) {
        if (parameter.required) violations.push({ part, message: `${part} is required` });
        return;
      }
      check(part, value, ...schemaAt);
    }
  });
  for (const name of new Set(query.keys())) {
    if (!declaredQuery.has(name)) violations.push({ part: `query.${name}`, message: `query parameter ${name} is not in the document` });
  }

  const body = observed.body ?? '';
  if (!operation.requestBody) {
    if (body.length > 0) violations.push({ part: 'body', message: 'the document describes no request body, but one was sent' });
    return violations;
  }
  if (body.length === 0) {
    if (operation.requestBody.required) violations.push({ part: 'body', message: 'the request body is required' });
    return violations;
  }
  const mediaType = observed.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (!(mediaType in operation.requestBody.content)) {
    violations.push({ part: 'body', message: `content type ${mediaType || '(none)'} is not one of ${Object.keys(operation.requestBody.content).join(', ')}` });
    return violations;
  }
  let value: unknown = body;
  if (isJson(mediaType)) {
    try {
      value = JSON.parse(body);
    } catch {
      violations.push({ part: 'body', message: 'the body is not JSON' });
      return violations;
    }
  }
  const validate = validatorAt('paths', match.template, method, 'requestBody', 'content', mediaType, 'schema');
  if (!validate) return [...violations, { part: 'body', message: `no schema for ${mediaType}` }];
  if (!validate(value)) {
    for (const error of validate.errors ?? []) violations.push({ part: 'body', instancePath: error.instancePath, message: `body${error.instancePath} ${error.message ?? 'is invalid'}` });
  }
  return violations;
}
