import { z } from 'zod';

/** A page size query parameter, 1-`max`. */
export const limitParam = (fallback: number, max = 100) =>
  z
    .string({ message: 'must be given once' })
    .max(3)
    .pipe(z.coerce.number<string>().int('must be a whole number').min(1).max(max))
    // prefault: the default is the raw query value, so the documented default is a string like the parameter.
    .prefault(String(fallback));

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
