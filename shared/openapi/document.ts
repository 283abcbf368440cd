import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { readPackageInfo } from '../config/package-info.js';
import type { AnyEndpointSpec } from '../http/endpoint.js';
import { PROBLEM_TYPES } from '../http/problem-types.js';
import { IDEMPOTENCY_KEY_HEADER, WAIT_FOR_FIRST_MS } from '../http/idempotency.js';
import { JSON_CONTENT_TYPES } from '../http/request-body.js';
import { ROUTES } from '../http/routes.js';
import { SENSITIVE_META } from '../schemas/primitives.js';
import { problemSchema } from '../schemas/problem.js';
import { API_TAGS, type EndpointDocs, type ResponseHeaderName } from './endpoint-docs.js';

const paginationSchema = z
  .object({
    limit: z.number().int().min(1).max(100),
    nextCursor: z.string().max(16384).nullable().meta({ description: 'Pass as `cursor` to get the next page; null on the last page.' }),
    hasMore: z.boolean(),
  })
  .meta({ id: 'Pagination' });

type HeaderName = ResponseHeaderName | 'x-correlation-id' | 'WWW-Authenticate' | 'Access-Control-Allow-Origin' | 'X-RateLimit-Limit' | 'X-RateLimit-Remaining';

const RESPONSE_HEADERS: Record<HeaderName, { description: string; schema: z.ZodType }> = {
  ETag: { description: 'The version of the resource; send it back in If-Match to change it.', schema: z.string().max(200) },
  Location: { description: 'Where the created resource (or the operation to poll) is.', schema: z.string().max(2048) },
  'Retry-After': { description: 'Seconds to wait before retrying or polling again.', schema: z.string().max(10) },
  'x-correlation-id': { description: 'The request correlation id (the caller one when safe, else generated); quote it when reporting a problem.', schema: z.string().max(128) },
  'WWW-Authenticate': { description: 'The bearer challenge (RFC 6750).', schema: z.string().max(1024) },
  'Access-Control-Allow-Origin': { description: 'Set by API Management (CORS policy) for the allowed origins.', schema: z.string().max(2048) },
  'X-RateLimit-Limit': { description: 'Calls allowed per period for this subscription; set by API Management (rate-limit-by-key).', schema: z.string().max(20) },
  'X-RateLimit-Remaining': { description: 'Calls left in the period for this subscription; set by API Management (rate-limit-by-key).', schema: z.string().max(20) },
};

/** What the gateway adds to every answer: CORS and rate-limit headers (never set by the functions themselves). */
const GATEWAY_HEADERS: readonly HeaderName[] = ['Access-Control-Allow-Origin', 'X-RateLimit-Limit', 'X-RateLimit-Remaining'];

/**
 * Fallback bounds for schemas zod leaves unbounded (free-text messages, record keys, lists whose
 * size a page or a rule already limits). The contract tests validate every real response against
 * them, so they are checked statements about the API, not decoration.
 */
const FALLBACK_MAX_STRING = 4096;
const FALLBACK_MAX_ITEMS = 1000;

/** Response headers as a zod object (zod-openapi renders each key as a header); x-correlation-id is always there. */
function headers(names: readonly HeaderName[], optional: readonly HeaderName[] = []) {
  const header = (name: HeaderName) => RESPONSE_HEADERS[name].schema.meta({ description: RESPONSE_HEADERS[name].description });
  return z.object({
    ...Object.fromEntries(['x-correlation-id' as const, ...names].map((name) => [name, header(name)])),
    ...Object.fromEntries([...optional, ...GATEWAY_HEADERS].map((name) => [name, header(name).optional()])),
  });
}

function envelope(docs: EndpointDocs['success']) {
  return z.object({
    success: z.literal(true),
    data: docs.data ?? z.null(),
    ...(docs.paginated ? { pagination: paginationSchema } : {}),
    timestamp: z.string().max(40).meta({ description: 'When the response was made (UTC).' }),
  });
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = Object.fromEntries(
  Object.values(PROBLEM_TYPES).map((kind) => [kind.status, kind.title]),
);
PROBLEM_DESCRIPTIONS[400] = 'A field, parameter or header is invalid, missing or unknown (each named in `errors`), or the body is not JSON';
PROBLEM_DESCRIPTIONS[429] = 'Too many requests (rate limit or quota of API Management)';
PROBLEM_DESCRIPTIONS[409] =
  'The request conflicts with the current state (/problems/conflict), or a request with the same Idempotency-Key is still in progress (/problems/idempotency-key-in-use, with Retry-After)';
PROBLEM_DESCRIPTIONS[422] = 'The Idempotency-Key was already used for a different request (/problems/idempotency-key-reused)';

/** The problems the pipeline itself can answer for an endpoint, plus those its docs declare. */
export function problemStatuses(spec: AnyEndpointSpec): number[] {
  const statuses = new Set<number>([500, 429, ...(spec.docs.problems ?? [])]);
  if (spec.authenticated) [401, 403, 503].forEach((status) => statuses.add(status));
  // Every endpoint refuses unknown query parameters, and every authenticated one a repeated Authorization header.
  statuses.add(400);
  if (spec.body) [413, 415].forEach((status) => statuses.add(status));
  if (spec.idempotencyKey) [400, 409, 422].forEach((status) => statuses.add(status));
  return [...statuses].sort();
}

const problemResponses = new Map<number, ReturnType<typeof makeProblemResponse>>();

/** The same object for every use of a status: zod-openapi registers it once as a component. */
function problemResponse(status: number) {
  if (!problemResponses.has(status)) problemResponses.set(status, makeProblemResponse(status));
  return problemResponses.get(status)!;
}

function makeProblemResponse(status: number) {
  const extra: HeaderName[] = status === 401 ? ['WWW-Authenticate'] : [];
  return {
    // One component per status, referenced by every operation that can answer it.
    id: `Problem${status}`,
    description: PROBLEM_DESCRIPTIONS[status] ?? 'Problem',
    headers: headers(extra, status === 503 || status === 429 || status === 409 ? ['Retry-After'] : status === 412 ? ['ETag'] : status === 400 ? ['WWW-Authenticate'] : []),
    content: { 'application/problem+json': { schema: problemSchema } },
  };
}

function responses(spec: AnyEndpointSpec): ZodOpenApiResponsesObject {
  const { success } = spec.docs;
  const result: ZodOpenApiResponsesObject = {
    [success.status]: {
      description: success.description,
      headers: headers(success.headers ?? [], success.optionalHeaders ?? []),
      ...(success.status === 204
        ? {}
        : { content: success.raw ? Object.fromEntries(success.raw.contentTypes.map((type) => [type, { schema: success.raw!.schema }])) : { 'application/json': { schema: envelope(success) } } }),
    },
  };
  for (const other of spec.docs.alsoReturns ?? []) result[String(other.status) as `${1 | 2 | 3 | 4 | 5}${string}`] = { description: other.description, headers: headers(other.headers ?? []) };
  for (const status of problemStatuses(spec)) result[String(status) as `${1 | 2 | 3 | 4 | 5}${string}`] = problemResponse(status);
  return result;
}

function requestHeaders(spec: AnyEndpointSpec) {
  const shape: Record<string, z.ZodType> = {
    'x-correlation-id': z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,128}$/)
      .optional()
      .meta({ description: 'Your correlation id, echoed in the response and carried into events and logs.' }),
  };
  for (const header of spec.docs.requestHeaders ?? []) {
    const schema = z
      .string()
      .max(1024)
      .meta({
        description:
          header.name === 'If-Match'
            ? 'The ETag you last read. Required to change an existing resource (428 without, 412 when stale).'
            : 'An ETag you hold: 304 if the resource still has it.',
      });
    shape[header.name] = header.required ? schema : schema.optional();
  }
  if (spec.idempotencyKey) {
    shape[IDEMPOTENCY_KEY_HEADER] = z
      .string()
      .min(1)
      .max(255)
      .regex(/^[\x21-\x7E]+$/)
      .optional()
      .meta({
        description:
          'A key you make per logical request (a UUID), sent again with every retry of it: a retry with the same key and the same request ' +
          'answers the first response (status, body, Location, ETag) and creates nothing more, for 24 hours. The same key with a different ' +
          `request is 422; while the first is still running a retry waits up to ${WAIT_FOR_FIRST_MS / 1000} s, then gets 409 with Retry-After. ` +
          'Keys are per caller. IETF draft-ietf-httpapi-idempotency-key-header.',
      });
  }
  return z.object(shape);
}

/**
 * The operations console (/v1/admin/…) gets its own scheme, so the contract shows it needs the
 * admin app role; other admin-only operations say so in their description.
 */
const isAdminOnly = (spec: AnyEndpointSpec): boolean => ROUTES[spec.route].path.startsWith('v1/admin/');

function operation(spec: AnyEndpointSpec): ZodOpenApiOperationObject {
  const contentTypes = spec.bodyContentTypes ?? JSON_CONTENT_TYPES;
  return {
    operationId: spec.name,
    tags: [spec.docs.tag],
    summary: spec.docs.summary,
    ...(spec.docs.description ? { description: spec.docs.description } : {}),
    security: !spec.authenticated ? [] : isAdminOnly(spec) ? [{ adminBearer: [] }] : [{ bearer: [] }, { entraId: [] }],
    requestParams: {
      ...(spec.params ? { path: spec.params as z.ZodObject } : {}),
      ...(spec.query ? { query: spec.query as z.ZodObject } : {}),
      header: requestHeaders(spec),
    },
    ...(spec.body
      ? {
          requestBody: {
            required: true,
            content: Object.fromEntries(
              contentTypes.map((type) => [type, { schema: type === 'text/csv' ? z.string().max(2 * 1024 * 1024) : spec.body! }]),
            ),
          },
        }
      : {}),
    responses: responses(spec),
  };
}

/**
 * The OpenAPI 3.1 document, generated from the endpoints' own registrations: the same routes,
 * zod schemas and pipeline rules that serve requests. `npm run openapi` writes it to
 * openapi/caseload.openapi.json, which API Management imports and /api/openapi.json serves.
 */
export function buildOpenApiDocument(specs: readonly AnyEndpointSpec[]): ReturnType<typeof createDocument> {
  const { version } = readPackageInfo();
  const paths: Record<string, Record<string, ZodOpenApiOperationObject>> = {};
  for (const spec of specs) {
    const route = ROUTES[spec.route];
    const path = `/${route.path}`;
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = operation(spec);
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Caseload API',
      version,
      description:
        'Task management for HM Courts & Tribunals caseworkers. Every error is an RFC 9457 problem (application/problem+json). ' +
        'Success bodies are `{ success, data, pagination?, timestamp }`. Locally, get a token with `npm run -s token -- <role>`.',
      contact: { name: 'Caseload team' },
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/api', description: 'This host: http://localhost:7071/api locally; the API Management gateway in Azure.', 'x-internal': false }],
    tags: API_TAGS.map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'An Entra ID access token for the API (locally: npm run -s token -- <role>). Verified per RFC8725: RS256/ES256 only, issuer, audience, expiry.',
        },
        adminBearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'As bearer, and the token must carry the admin app role (roles claim). Verified per RFC8725.',
        },
        entraId: {
          type: 'oauth2',
          description:
            'Entra ID (replace "organizations" with your tenant id). App roles: admin, manager, caseworker, viewer. Access tokens are JWTs verified per RFC8725.',
          flows: {
            authorizationCode: {
              authorizationUrl: 'https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize',
              tokenUrl: 'https://login.microsoftonline.com/organizations/oauth2/v2.0/token',
              refreshUrl: 'https://login.microsoftonline.com/organizations/oauth2/v2.0/token',
              scopes: { 'api://caseload/user_impersonation': 'Use Caseload as the signed-in user' },
            },
          },
        },
      },
    },
  }, {
    override: (context: { jsonSchema: Record<string, unknown> }) => {
      applyFallbackBounds(context);
      flagSensitive(context);
    },
  });
}

/** `.meta({ sensitive: true })` (shared/schemas/primitives.ts) as the extension keyword `x-sensitive`. */
function flagSensitive({ jsonSchema }: { jsonSchema: Record<string, unknown> }): void {
  if (!(SENSITIVE_META in jsonSchema)) return;
  if (jsonSchema[SENSITIVE_META] === true) jsonSchema['x-sensitive'] = true;
  delete jsonSchema[SENSITIVE_META];
}

/** Adds the fallback bounds, and an integer format (every integer this API sends fits 32 bits). */
function applyFallbackBounds({ jsonSchema }: { jsonSchema: Record<string, unknown> }): void {
  const bounded = 'enum' in jsonSchema || 'const' in jsonSchema;
  if (jsonSchema.type === 'string' && !bounded && jsonSchema.maxLength === undefined) jsonSchema.maxLength = FALLBACK_MAX_STRING;
  if (jsonSchema.type === 'array' && jsonSchema.maxItems === undefined) jsonSchema.maxItems = FALLBACK_MAX_ITEMS;
  if (jsonSchema.type === 'integer' && jsonSchema.format === undefined) jsonSchema.format = 'int32';
}

