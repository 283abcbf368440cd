import type { FieldError } from '../schemas/problem.js';
import type { ProblemKind } from './problem-types.js';

/**
 * An error only the HTTP pipeline raises: kinds that exist only in HTTP (unsupported media type,
 * payload too large, malformed JSON) and headers only HTTP has (WWW-Authenticate, Accept-Patch).
 * Domain rules, use cases and repositories throw AppError (shared/errors) instead.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly options: { errors?: FieldError[]; headers?: Record<string, string>; extensions?: Record<string, unknown> } = {},
  ) {
    super(detail);
  }
}
