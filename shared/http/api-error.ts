import type { FieldError } from '../schemas/problem.js';
import { PROBLEM_TYPES, type ProblemKind } from './problem-types.js';

/**
 * An error the API answers with a problem+json body. Domain and store code throw these; the
 * endpoint pipeline turns them into responses. Anything else thrown is a 500 with no details.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;

  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly options: { errors?: FieldError[]; headers?: Record<string, string>; extensions?: Record<string, unknown> } = {},
  ) {
    super(detail);
    this.status = PROBLEM_TYPES[kind].status;
  }
}

export const validationError = (errors: FieldError[], detail?: string): ApiError =>
  new ApiError('validation', detail ?? errors.map((error) => `${error.field}: ${error.message}`).join('; '), { errors });

export const notFound = (detail: string): ApiError => new ApiError('notFound', detail);
export const forbidden = (detail: string): ApiError => new ApiError('forbidden', detail);
export const conflict = (detail: string): ApiError => new ApiError('conflict', detail);
