import type { HttpResponseInit } from '@azure/functions';
import type { Problem } from '../schemas/problem.js';
import type { ApiError } from './api-error.js';
import { PROBLEM_TYPES } from './problem-types.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

interface RequestFacts {
  instance: string;
  correlationId: string;
}

export function problemResponse(error: ApiError, facts: RequestFacts): HttpResponseInit {
  const kind = PROBLEM_TYPES[error.kind];
  const problem: Problem = {
    type: kind.type,
    title: kind.title,
    status: kind.status,
    detail: error.detail,
    instance: facts.instance,
    correlationId: facts.correlationId,
    ...(error.options.errors ? { errors: error.options.errors } : {}),
    ...error.options.extensions,
  };
  return {
    status: kind.status,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, ...error.options.headers },
    body: JSON.stringify(problem),
  };
}

/** A 500 that tells the caller nothing about the internals, only how to quote the failure. */
export function unexpectedErrorResponse(facts: RequestFacts): HttpResponseInit {
  const kind = PROBLEM_TYPES.internal;
  const problem: Problem = {
    type: kind.type,
    title: kind.title,
    status: kind.status,
    detail: `The request failed unexpectedly. Quote correlation id ${facts.correlationId} when reporting it.`,
    instance: facts.instance,
    correlationId: facts.correlationId,
  };
  return { status: kind.status, headers: { 'Content-Type': PROBLEM_CONTENT_TYPE }, body: JSON.stringify(problem) };
}
