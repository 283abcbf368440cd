import { z } from 'zod';
import { createTaskSchema, patchTaskSchema, taskSchema } from './task.js';
import { problemSchema } from './problem.js';
import { uuidSchema } from './primitives.js';

export const MAX_BATCH_ITEMS = 100;

/**
 * Body of `POST /v1/tasks/batch`. Only the envelope is validated as a whole; each item is
 * validated on its own (batchItemSchema) so one bad item is reported in its result instead of
 * failing the other 99.
 */
export const batchRequestSchema = z.strictObject({
  items: z.array(z.unknown()).min(1, 'must hold at least one item').max(MAX_BATCH_ITEMS, `must hold at most ${MAX_BATCH_ITEMS} items`),
});

export const batchItemSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('create'), task: createTaskSchema }),
  z.strictObject({
    op: z.literal('update'),
    id: uuidSchema,
    /** The ETag the client last read, as for PATCH (required). */
    ifMatch: z.string().min(1).max(200),
    patch: patchTaskSchema,
  }),
]);

export const batchResultSchema = z.object({
  index: z.number().int(),
  op: z.string().nullable(),
  status: z.number().int(),
  data: taskSchema.optional(),
  problem: problemSchema.optional(),
}).meta({ id: 'BatchResult' });
export type BatchResult = z.infer<typeof batchResultSchema>;

export const batchResponseSchema = z.object({
  results: z.array(batchResultSchema),
  succeeded: z.number().int().min(0),
  failed: z.number().int().min(0),
});
