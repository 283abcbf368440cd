import { AppError, unavailable } from '../errors/app-error.js';

interface CosmosLikeError {
  code?: number | string;
  substatus?: number;
  retryAfterInMs?: number;
}

/** Cosmos sub-status of a 404 whose container or database (not the item) does not exist. */
const OWNER_RESOURCE_NOT_FOUND = 1003;

/**
 * Turns a failed database call into what the caller should be told, at the one place every
 * repository call goes through (`withCosmosErrors`):
 *
 * - what a request can provoke is a 4xx the caller can act on, never a 500: 400 (the database
 *   refused the request as malformed), 404 (the item went away between read and write), 409 (an
 *   id taken where the repository did not expect it), 412 (changed since read), 413 (the document
 *   would exceed the database's size limit);
 * - what is transient is a 503 with Retry-After: 408, 429, 449, 503 and connection failures.
 *
 * Repositories that expect a 409 or a 404 handle it inside the operation, before this sees it.
 * The original error is kept as `cause`, so the pipeline can log it. Everything else (401/403:
 * identity or RBAC; a missing container: deployment) is the service's fault and stays a 500.
 */
export function translateCosmosError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const { code, substatus, retryAfterInMs } = (error ?? {}) as CosmosLikeError;
  switch (code) {
    case 400:
      return new AppError('validation', 'The database refused the request as invalid. Check the values sent; quote the correlation id if it persists.', { cause: error });
    case 404:
      if (substatus === OWNER_RESOURCE_NOT_FOUND) return error;
      return new AppError('notFound', 'It no longer exists: it was removed while the request was being handled.', { cause: error });
    case 409:
      return new AppError('conflict', 'It conflicts with data that already exists.', { cause: error });
    case 412:
      return new AppError('preconditionFailed', 'The resource has changed since you read it. Fetch it again and retry with the new ETag.', { cause: error });
    case 413:
      return new AppError('payloadTooLarge', 'The change would make the stored document larger than the database allows.', { cause: error });
    case 429:
      return unavailable('The database is busy. Retry shortly.', Math.max(1, Math.ceil((retryAfterInMs ?? 1000) / 1000)));
    case 408:
    case 449:
      return unavailable('The database did not complete the request in time. Retry shortly.', 1);
    case 'ECONNREFUSED':
    case 'ETIMEDOUT':
    case 'ECONNRESET':
    case 503:
      return unavailable('The database is unavailable. Retry shortly.', 5);
    default:
      return error;
  }
}

export async function withCosmosErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw translateCosmosError(error);
  }
}

/** True for the error a conditional write raises when the document changed since it was read. */
export function isPreconditionFailed(error: unknown): boolean {
  return error instanceof AppError && error.kind === 'preconditionFailed';
}

/** True when a create found the id already taken (Cosmos 409). */
export function isConflict(error: unknown): boolean {
  return (error as CosmosLikeError | undefined)?.code === 409;
}
