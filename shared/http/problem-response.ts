import type { HttpResponseInit } from '@azure/functions';
import { AppError } from '../errors/app-error.js';
import type { Problem } from '../schemas/problem.js';
import { ApiError } from './api-error.js';
import { PROBLEM_TYPES, type ProblemKind } from './problem-types.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface RequestFacts {
  instance: string;
  correlationId: string;
}

/** An error the caller is told about: the application's (AppError) or the pipeline's own (ApiError). */
export type ReportedError = AppError | ApiError;

export const isReportedError = (error: unknown): error is ReportedError => error instanceof AppError || error instanceof ApiError;

/** The HTTP status of a reported error. */
export const statusOf = (error: ReportedError): number => PROBLEM_TYPES[error.kind as ProblemKind].status;

/** The headers a reported error adds: the pipeline's own, or those the application's facts imply. */
function headersOf(error: ReportedError): Record<string, string> {
  if (error instanceof ApiError) return error.options.headers ?? {};
  const { retryAfterSeconds, currentEtag } = error.options;
  return {
    ...(retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) }),
    ...(currentEtag === undefined ? {} : { ETag: currentEtag }),
  };
}

/**
 * Texts a problem carries can echo the request (its path, a header value, an unknown key), so
 * they are cut to the lengths the contract promises (shared/schemas/problem.ts), whatever the
 * caller sent.
 */
const LIMITS = { detail: 2000, instance: 2048, field: 200, message: 500 } as const;
const clip = (text: string, max: number): string => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** The RFC 9457 body for a reported error. */
export function toProblem(error: ReportedError, facts: RequestFacts): Problem {
  const kind = PROBLEM_TYPES[error.kind as ProblemKind];
  const errors = error.options.errors?.map((fieldError) => ({
    ...fieldError,
    field: clip(fieldError.field, LIMITS.field),
    message: clip(fieldError.message, LIMITS.message),
  }));
  return {
    type: kind.type,
    title: kind.title,
    status: kind.status,
    detail: clip(error.detail, LIMITS.detail),
    instance: clip(facts.instance, LIMITS.instance),
    correlationId: facts.correlationId,
    ...(errors ? { errors } : {}),
    ...error.options.extensions,
  };
}

export function problemResponse(error: ReportedError, facts: RequestFacts): HttpResponseInit {
  return {
    status: statusOf(error),
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, ...headersOf(error) },
    body: JSON.stringify(toProblem(error, facts)),
  };
}

/** A 500 problem that tells the caller nothing about the internals, only how to quote the failure. */
export function unexpectedProblem(facts: RequestFacts): Problem {
  const kind = PROBLEM_TYPES.internal;
  return {
    type: kind.type,
    title: kind.title,
    status: kind.status,
    detail: `The request failed unexpectedly. Quote correlation id ${facts.correlationId} when reporting it.`,
    instance: clip(facts.instance, LIMITS.instance),
    correlationId: facts.correlationId,
  };
}

export function unexpectedErrorResponse(facts: RequestFacts): HttpResponseInit {
  return { status: PROBLEM_TYPES.internal.status, headers: { 'Content-Type': PROBLEM_CONTENT_TYPE }, body: JSON.stringify(unexpectedProblem(facts)) };
}
