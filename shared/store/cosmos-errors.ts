import { AppError, unavailable } from '../errors/app-error.js';

interface CosmosLikeError {
  code?: number | string;
  name?: string;
  retryAfterInMs?: number;
}

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
 * Turns the failures of a database call that are not the caller's fault into 503s the caller
 * can retry, instead of opaque 500s. 412 is returned to the caller as what it is.
 */
export function translateCosmosError(error: unknown): unknown {
  const { code, name, retryAfterInMs } = (error ?? {}) as CosmosLikeError;
  if (code === 412) {
    return new AppError('preconditionFailed', 'The task has changed since you read it. Fetch it again and retry with the new ETag.');
  }
  if (code === 429) {
    return unavailable('The database is busy. Retry shortly.', Math.max(1, Math.ceil((retryAfterInMs ?? 1000) / 1000)));
  }
  if ((code !== undefined && UNREACHABLE.has(code)) || name === 'AbortError') {
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
