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

/** At most this many field errors are listed: a body of 64 KiB could otherwise name thousands. */
export const MAX_FIELD_ERRORS = 50;

export const validationError = (errors: FieldError[], detail?: string): ApiError => {
  const listed = errors.slice(0, MAX_FIELD_ERRORS);
  const more = errors.length > listed.length ? `; and ${errors.length - listed.length} more` : '';
  const summary = detail ?? `${listed.slice(0, 10).map((error) => `${error.field}: ${error.message}`).join('; ')}${listed.length > 10 ? '; …' : ''}${more}`;
  return new ApiError('validation', summary.slice(0, 2000), { errors: listed });
};

export const notFound = (detail: string): ApiError => new ApiError('notFound', detail);
export const forbidden = (detail: string): ApiError => new ApiError('forbidden', detail);
export const conflict = (detail: string): ApiError => new ApiError('conflict', detail);
