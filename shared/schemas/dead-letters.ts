import { z } from 'zod';
import { DEAD_LETTER_SOURCES, type DeadLetterSourceName } from '../config/entities.js';
import { limitParam } from './paging.js';

export const deadLetterParamsSchema = z.strictObject({
  entity: z.enum(Object.keys(DEAD_LETTER_SOURCES) as [DeadLetterSourceName, ...DeadLetterSourceName[]]),
});

export const deadLetterQuerySchema = z.strictObject({ max: limitParam(50) });
