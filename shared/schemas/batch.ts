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

export const batchItemSchema = z
  .discriminatedUnion('op', [
    z.strictObject({ op: z.literal('create'), task: createTaskSchema }).meta({ id: 'BatchCreate', description: 'Create a task, as POST /v1/tasks.' }),
    z
      .strictObject({
        op: z.literal('update'),
        id: uuidSchema,
        /** The ETag the client last read, as for PATCH (required). */
        ifMatch: z.string().min(1).max(200).meta({ description: 'The ETag you last read of this task, as If-Match of a PATCH.' }),
        patch: patchTaskSchema,
      })
      .meta({ id: 'BatchUpdate', description: 'Change a task, as PATCH /v1/tasks/{id} (JSON Merge Patch).' }),
  ])
  .meta({ id: 'BatchItem' });

/** The request body as the contract shows it: the envelope with typed items (each validated on its own at run time). */
export const batchRequestDocumentedSchema = z.strictObject({
  items: z.array(batchItemSchema).min(1).max(MAX_BATCH_ITEMS),
});

export const batchResultSchema = z.object({
  index: z.number().int().min(0).max(MAX_BATCH_ITEMS - 1),
  op: z.string().nullable().meta({ example: 'update' }),
  status: z.number().int().min(200).max(599).meta({ example: 200 }),
  data: taskSchema.optional(),
  problem: problemSchema.optional(),
}).meta({ id: 'BatchResult', example: { index: 0, op: 'update', status: 200, data: taskSchema.meta()?.example } });
export type BatchResult = z.infer<typeof batchResultSchema>;

export const batchResponseSchema = z.object({
  results: z.array(batchResultSchema),
  succeeded: z.number().int().min(0),
  failed: z.number().int().min(0),
});
