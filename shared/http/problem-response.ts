import type { HttpResponseInit } from '@azure/functions';
import type { Problem } from '../schemas/problem.js';
import type { ApiError } from './api-error.js';
import { PROBLEM_TYPES } from './problem-types.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface RequestFacts {
  instance: string;
  correlationId: string;
}

/** The RFC 9457 body for an ApiError. */
export function toProblem(error: ApiError, facts: RequestFacts): Problem {
  const kind = PROBLEM_TYPES[error.kind];
  return {
    type: kind.type,
    title: kind.title,
    status: kind.status,
    detail: error.detail,
    instance: facts.instance,
    correlationId: facts.correlationId,
    ...(error.options.errors ? { errors: error.options.errors } : {}),
    ...error.options.extensions,
  };
}

export function problemResponse(error: ApiError, facts: RequestFacts): HttpResponseInit {
  return {
    status: PROBLEM_TYPES[error.kind].status,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, ...error.options.headers },
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
    instance: facts.instance,
    correlationId: facts.correlationId,
  };
}

export function unexpectedErrorResponse(facts: RequestFacts): HttpResponseInit {
  return { status: PROBLEM_TYPES.internal.status, headers: { 'Content-Type': PROBLEM_CONTENT_TYPE }, body: JSON.stringify(unexpectedProblem(facts)) };
}
