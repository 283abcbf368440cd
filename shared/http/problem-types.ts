import type { ErrorKind } from '../errors/app-error.js';

/**
 * The problem types this API returns, written once: one for each application error kind
 * (shared/errors, checked by `satisfies`) and the ones only HTTP has. `type` is a relative URI that resolves against
 * the API host to the catalogue in docs/problems.md (served with the API docs).
 */
export const PROBLEM_TYPES = {
  validation: { type: '/problems/validation', title: 'Your request has invalid fields', status: 400 },
  malformedJson: { type: '/problems/malformed-json', title: 'The request body is not valid JSON', status: 400 },
  unauthenticated: { type: '/problems/unauthenticated', title: 'Authentication is required', status: 401 },
  forbidden: { type: '/problems/forbidden', title: 'You are not allowed to do this', status: 403 },
  notFound: { type: '/problems/not-found', title: 'Not found', status: 404 },
  methodNotAllowed: { type: '/problems/method-not-allowed', title: 'Method not allowed', status: 405 },
  conflict: { type: '/problems/conflict', title: 'The request conflicts with the current state', status: 409 },
  idempotencyKeyInUse: { type: '/problems/idempotency-key-in-use', title: 'A request with this Idempotency-Key is still in progress', status: 409 },
  preconditionFailed: { type: '/problems/precondition-failed', title: 'The resource has changed', status: 412 },
  payloadTooLarge: { type: '/problems/payload-too-large', title: 'The request body is too large', status: 413 },
  unsupportedMediaType: { type: '/problems/unsupported-media-type', title: 'Unsupported content type', status: 415 },
  idempotencyKeyReused: { type: '/problems/idempotency-key-reused', title: 'This Idempotency-Key was used for a different request', status: 422 },
  preconditionRequired: { type: '/problems/precondition-required', title: 'If-Match is required', status: 428 },
  tooManyRequests: { type: '/problems/too-many-requests', title: 'Too many requests', status: 429 },
  internal: { type: '/problems/internal', title: 'Something went wrong on our side', status: 500 },
  unavailable: { type: '/problems/unavailable', title: 'A dependency is unavailable', status: 503 },
} as const satisfies Record<ErrorKind, unknown> & Record<string, { type: string; title: string; status: number }>;

export type ProblemKind = keyof typeof PROBLEM_TYPES;
