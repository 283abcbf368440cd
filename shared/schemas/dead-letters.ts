import { z } from 'zod';
import { DEAD_LETTER_SOURCES } from '../config/entities.js';

export const historyQuerySchema = z.strictObject({
  limit: z
    .string({ message: 'must be given once' })
    .pipe(z.coerce.number<string>().int('must be a whole number').min(1).max(100))
    .default(50),
  cursor: z.string({ message: 'must be given once' }).min(1).max(16384).optional(),
});

export const deadLetterParamsSchema = z.strictObject({
  entity: z.enum(Object.keys(DEAD_LETTER_SOURCES) as [keyof typeof DEAD_LETTER_SOURCES, ...(keyof typeof DEAD_LETTER_SOURCES)[]]),
});

export const deadLetterQuerySchema = z.strictObject({
  max: z
    .string({ message: 'must be given once' })
    .pipe(z.coerce.number<string>().int('must be a whole number').min(1).max(100))
    .default(50),
});
