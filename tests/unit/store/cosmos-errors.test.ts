import { describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors/app-error.js';
import { PROBLEM_TYPES } from '../../../shared/http/problem-types.js';
import { translateCosmosError } from '../../../shared/store/cosmos-errors.js';

/** What @azure/cosmos throws: an Error with the HTTP status as `code` (and sometimes a sub-status). */
const cosmosError = (code: number | string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`cosmos ${code}`), { code, ...extra });

describe('translateCosmosError: what a request can provoke is a 4xx, what is transient a 503, the rest stays internal', () => {
  it.each([
    [400, 'validation', 400],
    [404, 'notFound', 404],
    [409, 'conflict', 409],
    [412, 'preconditionFailed', 412],
    [413, 'payloadTooLarge', 413],
    [408, 'unavailable', 503],
    [429, 'unavailable', 503],
    [449, 'unavailable', 503],
    [503, 'unavailable', 503],
    ['ECONNREFUSED', 'unavailable', 503],
    ['ECONNRESET', 'unavailable', 503],
    ['ETIMEDOUT', 'unavailable', 503],
  ] as const)('%s → %s (%i)', (code, kind, status) => {
    const original = cosmosError(code);
    const translated = translateCosmosError(original) as AppError;
    expect(translated).toBeInstanceOf(AppError);
    expect(translated.kind).toBe(kind);
    expect(PROBLEM_TYPES[translated.kind].status).toBe(status);
    // The database's own message never reaches the caller; it is kept for the logs.
    expect(translated.detail).not.toContain('cosmos');
    if (status < 500) expect(translated.cause).toBe(original);
  });

  it('429 carries the database retry hint, rounded up to whole seconds', () => {
    expect((translateCosmosError(cosmosError(429, { retryAfterInMs: 2300 })) as AppError).options.retryAfterSeconds).toBe(3);
  });

  it('leaves the service faults alone: a missing container (404/1003), auth (401/403), 500, errors without a status', () => {
    for (const error of [cosmosError(404, { substatus: 1003 }), cosmosError(401), cosmosError(403), cosmosError(500), new TypeError('x'), undefined]) {
      expect(translateCosmosError(error)).toBe(error);
    }
  });

  it('passes application errors through unchanged', () => {
    const error = new AppError('forbidden', 'no');
    expect(translateCosmosError(error)).toBe(error);
  });
});
