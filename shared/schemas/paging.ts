import { z } from 'zod';
import { integerParam } from './query-params.js';

/** A page size query parameter, 1-`max`, `fallback` when absent. */
export const limitParam = (fallback: number, max = 100) => integerParam({ min: 1, max, fallback });

/** An opaque cursor from a previous page's `pagination.nextCursor`. */
export const cursorParam = z.string({ message: 'must be given once' }).min(1).max(16384);

/** `limit` + `cursor`, for endpoints that page and filter nothing else. */
export const pageQuerySchema = z.strictObject({ limit: limitParam(50), cursor: cursorParam.optional() });

/**
 * A page size typed as what it is, an integer from 1 to `max` (the query string's text coerced),
 * so the OpenAPI document shows an integer parameter with its range and default.
 */
export const integerLimitParam = (fallback: number, max = 100) =>
  z.coerce.number<unknown>({ message: 'must be given once, as a whole number' }).int('must be a whole number').min(1).max(max).default(fallback);
