import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from 'zod-openapi';
import { readPackageInfo } from '../config/package-info.js';
import { entraEndpoints, SIGN_IN_PLACEHOLDERS, SIGN_IN_SCHEME, signInFlow, SUBSCRIPTION_KEY_HEADER, SUBSCRIPTION_KEY_SCHEME } from '../docs/sign-in.js';
import type { AnyEndpointSpec } from '../http/endpoint.js';
import { PROBLEM_TYPES } from '../http/problem-types.js';
import { IDEMPOTENCY_KEY_HEADER, WAIT_FOR_FIRST_MS } from '../http/idempotency.js';
import { JSON_CONTENT_TYPES } from '../http/request-body.js';
import { KEYLESS_ROUTES, ROUTES, type RouteName } from '../http/routes.js';
import { SENSITIVE_META } from '../schemas/primitives.js';
import { problemSchema } from '../schemas/problem.js';
import { API_TAGS, TAG_DESCRIPTIONS, type EndpointDocs, type ResponseHeaderName } from './endpoint-docs.js';
import { addExamples, problemExample } from './examples.js';

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
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

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
    timestamp: z.string().max(40).meta({ description: 'When the response was made (UTC).', format: 'date-time', example: '2029-12-02T08:15:01.123Z' }),
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
  const types = Object.values(PROBLEM_TYPES).filter((kind) => kind.status === status);
  return {
    // One component per status, referenced by every operation that can answer it.
    id: `Problem${status}`,
    description: `${PROBLEM_DESCRIPTIONS[status] ?? 'Problem'}${types.length > 0 ? `. Problem types: ${types.map((kind) => `\`${kind.type}\``).join(', ')}` : ''}`,
    headers: headers(extra, status === 503 || status === 429 || status === 409 ? ['Retry-After'] : status === 412 ? ['ETag'] : status === 400 ? ['WWW-Authenticate'] : []),
    content: { 'application/problem+json': { schema: problemSchema, example: problemExample(status) } },
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
    // Any value is accepted (a request is never refused for it): one that is not safe to echo is replaced.
    'x-correlation-id': z
      .string()
      .max(8192)
      .optional()
      .meta({
        description:
          'Your correlation id, echoed in the response and carried into events and logs when it is 1-128 of A-Z a-z 0-9 . _ : - (else the W3C trace id, or a new one, is used instead).',
      }),
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
    // Only a required header gets an example: the docs page fills an example into "Try it".
    shape[header.name] = header.required ? schema.meta({ example: '"3"' }) : schema.optional();
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

/**
 * What a caller must present, as the gateway and the app enforce it: the keyless routes nothing;
 * the other public ones (readiness, version) a subscription key; everything else a key and a token
 * (a bearer token, or one from signing in through Entra ID). Alternatives are OR, entries within
 * one are AND (OpenAPI security requirement semantics).
 */
function security(spec: AnyEndpointSpec): Record<string, string[]>[] {
  const keyless = (KEYLESS_ROUTES as readonly RouteName[]).includes(spec.route);
  if (keyless && spec.authenticated) throw new Error(`${spec.name}: a keyless route cannot require a token`);
  if (keyless) return [];
  const key = { [SUBSCRIPTION_KEY_SCHEME]: [] };
  if (!spec.authenticated) return [key];
  if (isAdminOnly(spec)) return [{ ...key, adminBearer: [] }];
  return [
    { ...key, bearer: [] },
    { ...key, [SIGN_IN_SCHEME]: [] },
  ];
}

function operation(spec: AnyEndpointSpec): ZodOpenApiOperationObject {
  const contentTypes = spec.bodyContentTypes ?? JSON_CONTENT_TYPES;
  return {
    operationId: spec.name,
    tags: [spec.docs.tag],
    summary: spec.docs.summary,
    ...(spec.docs.description ? { description: spec.docs.description } : {}),
    security: security(spec),
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
              contentTypes.map((type) => [type, { schema: type === 'text/csv' ? z.string().max(2 * 1024 * 1024) : (spec.docs.requestBody ?? spec.body!) }]),
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
  const document = createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Caseload API',
      version,
      description:
        'Task management for HM Courts & Tribunals caseworkers. Every error is an RFC 9457 problem (application/problem+json). ' +
        'Success bodies are `{ success, data, pagination?, timestamp }`. ' +
        `Through API Management every operation but health, this document and the docs page needs a subscription key (\`${SUBSCRIPTION_KEY_HEADER}\`), ` +
        'and every operation on data an Entra ID access token for the API: sign in on the docs page (Authorize), or send a bearer token. ' +
        'The document served at /api/openapi.json names the sign-in endpoints and scope of the deployment that serves it. ' +
        'Locally there is no gateway and no key; sign in through the local issuer, or get a token with `npm run -s token -- <role>`.',
      contact: { name: 'Caseload team' },
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/api', description: 'This host: http://localhost:7071/api locally; the API Management gateway in Azure.', 'x-internal': false }],
    tags: API_TAGS.map((name) => ({ name, description: TAG_DESCRIPTIONS[name] })),
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'An Entra ID access token for the API (locally: `npm run -s token -- <role>`). Verified per RFC8725: RS256/ES256 only, issuer, audience, expiry.',
        },
        adminBearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'As bearer, and the token must carry the admin app role (roles claim). Verified per RFC8725.',
        },
        [SIGN_IN_SCHEME]: {
          type: 'oauth2',
          description:
            'Sign in with Entra ID: authorization code with PKCE, for the API\'s scope (`api://<API client id>/user_impersonation`, created as in docs/deploy.md). ' +
            `Here ${SIGN_IN_PLACEHOLDERS.tenantId} and ${SIGN_IN_PLACEHOLDERS.apiClientId} stand for a deployment's tenant and API app registration; ` +
            'the document a deployment serves (GET /api/openapi.json) names its own (locally, the local issuer). App roles: admin, manager, caseworker, viewer. ' +
            'Access tokens are JWTs verified per RFC8725.',
          flows: { authorizationCode: { ...signInFlow(entraEndpoints(SIGN_IN_PLACEHOLDERS.tenantId), SIGN_IN_PLACEHOLDERS.apiClientId) } },
        },
        [SUBSCRIPTION_KEY_SCHEME]: {
          type: 'apiKey',
          in: 'header',
          name: SUBSCRIPTION_KEY_HEADER,
          description:
            'The API Management subscription key of your Caseload consumers subscription. Required at the gateway for every operation that declares it; the app itself (and the local host) does not read it.',
        },
      },
    },
  }, {
    override: (context: { jsonSchema: Record<string, unknown> }) => {
      applyFallbackBounds(context);
      flagSensitive(context);
    },
  });
  return addExamples(listProblemTypes(stateRequestDefaultsInWords(document)));
}

/**
 * The problem types, written once in shared/http/problem-types.ts, listed where every problem
 * response points (the Problem schema): `type` is one of them, each with its status and title, so
 * a client can switch on it (generated types make it a union) and a reader finds them all in one
 * place (docs/problems.md says when each is answered).
 */
function listProblemTypes<T extends object>(document: T): T {
  const schemas = (document as { components?: { schemas?: Record<string, { properties?: Record<string, unknown> }> } }).components?.schemas;
  const properties = schemas?.Problem?.properties;
  if (!properties) throw new Error('The document has no Problem schema to list the problem types in');
  const kinds = Object.values(PROBLEM_TYPES);
  properties.type = {
    type: 'string',
    enum: kinds.map((kind) => kind.type),
    description:
      'What kind of problem this is: a URI reference relative to the API host, one of these (docs/problems.md says when each is answered):\n\n' +
      '| type | status | title |\n| --- | --- | --- |\n' +
      kinds.map((kind) => `| \`${kind.type}\` | ${kind.status} | ${kind.title} |`).join('\n'),
  };
  return document;
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
  if (jsonSchema.type === 'integer' && jsonSchema.format === undefined) {
    jsonSchema.format = 'int32';
    // For an integer, > n is >= n + 1: one kind of bound each way, which every tool reads alike.
    if (typeof jsonSchema.exclusiveMinimum === 'number') {
      jsonSchema.minimum = jsonSchema.exclusiveMinimum + 1;
      delete jsonSchema.exclusiveMinimum;
    }
    if (typeof jsonSchema.exclusiveMaximum === 'number') {
      jsonSchema.maximum = jsonSchema.exclusiveMaximum - 1;
      delete jsonSchema.exclusiveMaximum;
    }
    // zod bounds a bare int() by the safe-integer range; as an int32 its range is narrower.
    if (typeof jsonSchema.minimum !== 'number' || jsonSchema.minimum < INT32_MIN) jsonSchema.minimum = INT32_MIN;
    if (typeof jsonSchema.maximum !== 'number' || jsonSchema.maximum > INT32_MAX) jsonSchema.maximum = INT32_MAX;
  }
}


/**
 * An optional request field the server fills in when it is absent (a task's priority, medium) is
 * optional for the client. JSON Schema says so with `default`, but openapi-typescript (default
 * options, defaultNonNullable) types a property with a default as always present, as it is in a
 * response, so a generated client would have to send it. In request bodies (and the components
 * they use, which zod-openapi keeps apart from the response ones) the default is therefore stated
 * in the field's description, and the field stays optional in every generated type. Parameters keep
 * their `default`: generators leave optional parameters optional.
 */
function stateRequestDefaultsInWords<T extends object>(document: T): T {
  const doc = document as { paths: Record<string, Record<string, { requestBody?: unknown }>>; components?: { schemas?: Record<string, unknown> } };
  const seen = new Set<unknown>();
  const visit = (node: unknown): void => {
    if (!node || typeof node !== 'object' || seen.has(node)) return;
    seen.add(node);
    const schema = node as Record<string, unknown>;
    if (typeof schema.$ref === 'string' && schema.$ref.startsWith('#/components/schemas/')) visit(doc.components?.schemas?.[schema.$ref.slice('#/components/schemas/'.length)]);
    const properties = schema.properties as Record<string, Record<string, unknown>> | undefined;
    const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
    for (const [name, property] of Object.entries(properties ?? {})) {
      if (required.has(name) || !('default' in property)) continue;
      const said = `Defaults to ${JSON.stringify(property.default)} when omitted.`;
      property.description = property.description ? `${String(property.description)} ${said}` : said;
      delete property.default;
    }
    for (const value of Object.values(schema)) visit(value);
  };
  for (const item of Object.values(doc.paths)) for (const operation of Object.values(item)) visit(operation.requestBody);
  return document;
}
