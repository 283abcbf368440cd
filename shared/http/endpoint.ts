import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import type { Principal, Role } from '../auth/roles.js';
import type { EndpointDocs } from '../openapi/endpoint-docs.js';
import { servicesForProcess, type Services } from '../services.js';
import { validationError } from '../errors/app-error.js';
import { authenticate } from './authenticate.js';
import { CORRELATION_HEADER, correlationIdFrom } from './correlation.js';
import { readIdempotencyKey, requestFingerprint, runIdempotently } from './idempotency.js';
import { isReportedError, problemResponse, unexpectedErrorResponse } from './problem-response.js';
import { readBody, JSON_CONTENT_TYPES, type BodyDecoder } from './request-body.js';
import { queryToObject } from './request-query.js';
import { ROUTES, type RouteName } from './routes.js';
import { SECURITY_HEADERS } from './security-headers.js';
import { illFormedTextErrors } from './well-formed-text.js';
import { fieldErrorsFromZod } from '../errors/zod-field-errors.js';
import { endInvocationTelemetry, runInScope } from '../telemetry/invocation-scope.js';
import { installLogRedaction } from '../telemetry/log-redaction.js';
import { recordMetric, type MetricName } from '../telemetry/metrics.js';
import { registerSensitiveFields } from '../telemetry/redaction.js';

/** What a handler returns; the pipeline wraps `data` in the success envelope. */
export interface EndpointResult {
  status: number;
  data?: unknown;
  pagination?: { limit: number; nextCursor: string | null; hasMore: boolean };
  headers?: Record<string, string>;
  /** Set for status-only answers (204, 304): no body, no envelope. */
  empty?: boolean;
  /** A body sent as is, without the envelope (the OpenAPI document, the docs page and its assets). */
  raw?: { contentType: string; body: string | Buffer };
}

export interface EndpointContext<P, Q, B, A extends boolean> {
  /** The process's services, resolved once by the pipeline: handlers pass use cases what they use. */
  services: Services;
  request: HttpRequest;
  invocation: InvocationContext;
  correlationId: string;
  principal: A extends true ? Principal : undefined;
  params: P;
  query: Q;
  body: B;
}

export interface EndpointSpec<P, Q, B, A extends boolean> {
  /** Function name; also the name Application Insights reports requests under. */
  name: string;
  route: RouteName;
  /** `true`: a verified bearer token is required. Only health and version are public. */
  authenticated: A;
  /** Roles allowed to call at all (403 otherwise); finer rules live in the domain. */
  roles?: readonly Role[];
  params?: z.ZodType<P, unknown>;
  query?: z.ZodType<Q, unknown>;
  body?: z.ZodType<B, unknown>;
  bodyContentTypes?: readonly string[];
  /** Decoders for accepted content types that are not JSON (e.g. text/csv); `body` validates their output. */
  bodyDecoders?: Readonly<Record<string, BodyDecoder>>;
  /** Body size limit in bytes (413 above); the 64 KiB default suits everything but bulk endpoints. */
  maxBodyBytes?: number;
  /**
   * Honour the Idempotency-Key request header (shared/http/idempotency.ts): a retry with the same
   * key and request replays the first response instead of running again. Set it on every endpoint
   * that creates something. Authenticated endpoints only (keys are scoped per caller).
   */
  idempotencyKey?: boolean;
  /** How the endpoint appears in the OpenAPI document. */
  docs: EndpointDocs;
  handler: (context: EndpointContext<P, Q, B, A>) => Promise<EndpointResult>;
}

// Specs with their type parameters erased, for the OpenAPI generator.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyEndpointSpec = EndpointSpec<any, any, any, boolean>;

/** Every endpoint registered in this process, in registration order: the OpenAPI generator's input. */
export const REGISTERED_ENDPOINTS: AnyEndpointSpec[] = [];

/**
 * Registers an HTTP function with the pipeline every endpoint shares: correlation id, bearer
 * authentication, role gate, path/query/body validation, problem+json errors, the success
 * envelope and security headers. authLevel is anonymous because callers authenticate with Entra
 * ID tokens, verified here; API Management fronts the app in Azure.
 */
export function registerEndpoint<P = undefined, Q = undefined, B = undefined, A extends boolean = true>(
  spec: EndpointSpec<P, Q, B, A>,
): void {
  const route = ROUTES[spec.route];
  if (spec.idempotencyKey && !spec.authenticated) throw new Error(`${spec.name}: idempotencyKey needs an authenticated endpoint (keys are per caller)`);
  REGISTERED_ENDPOINTS.push(spec as AnyEndpointSpec);
  installLogRedaction();
  for (const schema of [spec.params, spec.query, spec.body, spec.docs.success.data]) registerSensitiveFields(schema);
  app.http(spec.name, {
    methods: [route.method],
    route: route.path,
    authLevel: 'anonymous',
    handler: (request, invocation) => runEndpoint(spec, request, invocation),
  });
}

/** Answers that tell of contention or a client's mistake, counted per operation (docs/observability.md). */
const STATUS_METRICS: Readonly<Record<number, MetricName>> = { 409: 'http.conflict', 412: 'http.staleWrite', 428: 'http.preconditionRequired' };

export async function runEndpoint<P, Q, B, A extends boolean>(
  spec: EndpointSpec<P, Q, B, A>,
  request: HttpRequest,
  invocation: InvocationContext,
): Promise<HttpResponseInit> {
  const correlationId = correlationIdFrom(request.headers);
  const traceparent = invocation.traceContext?.traceParent ?? undefined;
  return runInScope({ operation: spec.name, traceparent, correlationId }, async (scope) => {
    const response = await answer(spec, request, invocation, correlationId);
    const metric = STATUS_METRICS[response.status ?? 200];
    if (metric) recordMetric(metric, 1, { operation: spec.name });
    endInvocationTelemetry(scope);
    return response;
  });
}

async function answer<P, Q, B, A extends boolean>(
  spec: EndpointSpec<P, Q, B, A>,
  request: HttpRequest,
  invocation: InvocationContext,
  correlationId: string,
): Promise<HttpResponseInit> {
  const instance = new URL(request.url).pathname;
  let response: HttpResponseInit;
  try {
    const services = servicesForProcess();
    const principal = spec.authenticated ? await authenticate(services, request, spec.roles) : undefined;
    const idempotencyKey = spec.idempotencyKey ? readIdempotencyKey(request.headers) : undefined;
    const rawQuery = queryToObject(request.url);
    const params = parseRequestPart(spec.params, request.params, 'path');
    const query = parseRequestPart(spec.query, rawQuery, 'query');
    const rawBody = spec.body
      ? await readBody(request, {
          acceptedTypes: spec.bodyContentTypes ?? JSON_CONTENT_TYPES,
          maxBytes: spec.maxBodyBytes,
          decoders: spec.bodyDecoders,
        })
      : undefined;
    const body = spec.body ? parseRequestPart(spec.body, rawBody, 'body') : (undefined as B);
    const execute = async () =>
      successResponse(
        await spec.handler({
          services,
          request,
          invocation,
          correlationId,
          principal: principal as EndpointContext<P, Q, B, A>['principal'],
          params,
          query,
          body,
        }),
      );
    response =
      idempotencyKey === undefined || !principal
        ? await execute()
        : await runIdempotently(
            services,
            {
              caller: principal.userId,
              key: idempotencyKey,
              fingerprint: requestFingerprint(spec.route, { params: request.params, query: rawQuery, body: rawBody }),
            },
            execute,
            invocation,
          );
  } catch (error) {
    if (isReportedError(error)) {
      // A 4xx that stands for a database answer (e.g. Cosmos 400): the caller gets the problem, the logs the cause.
      if (error.cause !== undefined) invocation.warn(`${spec.name} answered ${error.kind} for a database error (correlation id ${correlationId})`, error.cause);
      response = problemResponse(error, { instance, correlationId });
    } else {
      invocation.error(`Unhandled error in ${spec.name} (correlation id ${correlationId})`, error);
      response = unexpectedErrorResponse({ instance, correlationId });
    }
  }
  response.headers = { ...SECURITY_HEADERS, ...(response.headers as Record<string, string>), [CORRELATION_HEADER]: correlationId };
  return response;
}

/**
 * Validates one decoded part of a request (path parameters, query parameters or the body): first
 * that every string in it is well-formed Unicode, whatever the schema (see well-formed-text.ts),
 * then the schema. 400 naming each bad field.
 */
export function parseRequestPart<T>(schema: z.ZodType<T, unknown> | undefined, input: unknown, location: 'path' | 'query' | 'body'): T {
  const illFormed = illFormedTextErrors(input, location);
  if (illFormed.length > 0) throw validationError(illFormed);
  if (!schema) {
    // An endpoint without a query schema takes no parameters: a stray one is a client bug.
    const unexpected = location === 'query' ? Object.keys(input as object) : [];
    if (unexpected.length > 0) {
      throw validationError(unexpected.map((field) => ({ in: 'query', field, message: 'is not a known query parameter' })));
    }
    return undefined as T;
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw validationError(fieldErrorsFromZod(parsed.error, location, input));
}

function successResponse(result: EndpointResult): HttpResponseInit {
  if (result.empty) return { status: result.status, headers: result.headers ?? {} };
  if (result.raw) return { status: result.status, headers: { 'Content-Type': result.raw.contentType, ...result.headers }, body: result.raw.body };
  const envelope = {
    success: true,
    data: result.data,
    ...(result.pagination ? { pagination: result.pagination } : {}),
    timestamp: new Date().toISOString(),
  };
  return {
    status: result.status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...result.headers },
    body: JSON.stringify(envelope),
  };
}
