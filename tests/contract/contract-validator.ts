import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { OPENAPI_DOCUMENT_PATH } from '../../shared/openapi/document-file.js';

/**
 * Checks real responses against the committed OpenAPI document: the operation must exist, the
 * status must be documented, required headers present, the media type one the document lists, and
 * a JSON body valid against the documented schema. The integration harness runs every response
 * through it, so a response the contract does not describe fails the test that received it.
 */
interface Doc {
  paths: Record<string, Record<string, { responses: Record<string, ResponseObject> }>>;
  components?: { responses?: Record<string, ResponseObject> };
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
