import { z } from 'zod';
import { integerParam } from './query-params.js';

/** A page size query parameter, 1-`max`, `fallback` when absent. */
export const limitParam = (fallback: number, max = 100) => integerParam({ min: 1, max, fallback });

/** An opaque cursor from a previous page's `pagination.nextCursor`. */
export const cursorParam = z.string({ message: 'must be given once' }).min(1).max(16384);

/** `limit` + `cursor`, for endpoints that page and filter nothing else. */
export const pageQuerySchema = z.strictObject({ limit: limitParam(50), cursor: cursorParam.optional() });
