import { AppError, unavailable } from '../errors/app-error.js';

interface CosmosLikeError {
  code?: number | string;
  retryAfterInMs?: number;
}

/**
 * Turns the failures of a database call that are not the caller's fault into 503s the caller
 * can retry, instead of opaque 500s. 412 is returned to the caller as what it is.
 */
export function translateCosmosError(error: unknown): unknown {
  const { code, retryAfterInMs } = (error ?? {}) as CosmosLikeError;
  if (code === 412) {
    return new AppError('preconditionFailed', 'The resource has changed since you read it. Fetch it again and retry with the new ETag.');
  }
  if (code === 429) {
    return unavailable('The database is busy. Retry shortly.', Math.max(1, Math.ceil((retryAfterInMs ?? 1000) / 1000)));
  }
  if (code === 'ECONNREFUSED' || code === 'ETIMEDOUT' || code === 'ECONNRESET' || code === 503) {
    return unavailable('The database is unavailable. Retry shortly.', 5);
  }
  return error;
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
