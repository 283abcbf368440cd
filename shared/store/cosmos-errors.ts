import { AppError, unavailable } from '../errors/app-error.js';

interface CosmosLikeError {
  code?: number | string;
  substatus?: number;
  name?: string;
  retryAfterInMs?: number;
}

/** Cosmos sub-status of a 404 whose container or database (not the item) does not exist. */
const OWNER_RESOURCE_NOT_FOUND = 1003;

/**
 * The database could not be reached or did not answer in time: the SDK's timeout (TimeoutError)
 * and its request errors, our operation budget (cosmos-client.ts), network errors, and the
 * statuses Cosmos itself uses for "try again" (408 timeout, 410 gone, 449 retry with, 503).
 */
const UNREACHABLE: ReadonlySet<number | string> = new Set([
  'TimeoutError',
  'OperationBudgetExceeded',
  'REQUEST_SEND_ERROR',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  408,
  410,
  449,
  503,
]);

/**
 * Turns a failed database call into what the caller should be told, at the one place every
 * repository call goes through (`withCosmosErrors`):
 *
 * - what a request can provoke is a 4xx the caller can act on, never a 500: 400 (the database
 *   refused the request as malformed), 404 (the item went away between read and write), 409 (an
 *   id taken where the repository did not expect it), 412 (changed since read), 413 (the document
 *   would exceed the database's size limit);
 * - what is transient is a 503 with Retry-After: 429, and everything in UNREACHABLE (timeouts,
 *   the operation budget, connection failures, 408/410/449/503).
 *
 * Repositories that expect a 409 or a 404 handle it inside the operation, before this sees it.
 * The original error is kept as `cause`, so the pipeline can log it. Everything else (401/403:
 * identity or RBAC; a missing container: deployment) is the service's fault and stays a 500.
 */
export function translateCosmosError(error: unknown): unknown {
  if (error instanceof AppError) return error;
  const { code, substatus, name, retryAfterInMs } = (error ?? {}) as CosmosLikeError;
  if ((code !== undefined && UNREACHABLE.has(code)) || name === 'AbortError') {
    return unavailable('The database is unavailable. Retry shortly.', 5);
  }
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
