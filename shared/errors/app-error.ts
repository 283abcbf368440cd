import type { FieldError } from '../schemas/problem.js';

/**
 * What went wrong, in the application's terms. The HTTP pipeline maps each kind to a status and a
 * problem type (shared/http/problem-types.ts); nothing here knows about HTTP.
 */
export const ERROR_KINDS = [
  'validation',
  'unauthenticated',
  'forbidden',
  'notFound',
  'conflict',
  'preconditionFailed',
  'preconditionRequired',
  'payloadTooLarge',
  'tooManyRequests',
  'unavailable',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export interface AppErrorOptions {
  /** Per-field errors of a validation failure. */
  errors?: FieldError[];
  /** Extra members of the problem body (e.g. who holds a claimed task). */
  extensions?: Record<string, unknown>;
  /** For transient failures: when a retry makes sense. */
  retryAfterSeconds?: number;
  /** For a failed precondition: the current version, so the caller can refetch knowingly. */
  currentEtag?: string;
  /** The failure this one stands for (e.g. the database's answer), for the logs; never shown to the caller. */
  cause?: unknown;
}

/**
 * An error the caller is told about (everything else is an internal error with no details). Domain
 * rules, use cases and repositories throw these; the entry points decide how to present them.
 */
export class AppError extends Error {
  override readonly name: string = 'AppError';

  constructor(
    readonly kind: ErrorKind,
    readonly detail: string,
    readonly options: AppErrorOptions = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
  }
}

/** At most this many field errors are listed: a body of 64 KiB could otherwise name thousands. */
export const MAX_FIELD_ERRORS = 50;

export const validationError = (errors: FieldError[], detail?: string): AppError => {
  const listed = errors.slice(0, MAX_FIELD_ERRORS);
  const more = errors.length > listed.length ? `; and ${errors.length - listed.length} more` : '';
  const summary = detail ?? `${listed.slice(0, 10).map((error) => `${error.field}: ${error.message}`).join('; ')}${listed.length > 10 ? '; …' : ''}${more}`;
  return new AppError('validation', summary.slice(0, 2000), { errors: listed });
};

export const notFound = (detail: string): AppError => new AppError('notFound', detail);
export const forbidden = (detail: string): AppError => new AppError('forbidden', detail);
export const conflict = (detail: string): AppError => new AppError('conflict', detail);
export const unavailable = (detail: string, retryAfterSeconds: number): AppError => new AppError('unavailable', detail, { retryAfterSeconds });
