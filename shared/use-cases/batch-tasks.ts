import type { InvocationContext } from '@azure/functions';
import type { Principal } from '../auth/roles.js';
import { toTaskView } from '../domain/task-view.js';
import { ApiError, validationError } from '../http/api-error.js';
import { toProblem, unexpectedProblem, type RequestFacts } from '../http/problem-response.js';
import { fieldErrorsFromZod } from '../http/zod-errors.js';
import { batchItemSchema, type BatchResult } from '../schemas/batch.js';
import { createTask } from './create-task.js';
import { updateTask } from './update-task.js';
import type { WriteContext } from './write-context.js';

/**
 * Runs a batch of creates and updates, each on its own and in order (a later item may update a
 * task an earlier one created or changed). Every item gets its own result: the task and its
 * status, or a problem naming the bad fields as `items.<i>.…`. Nothing is all-or-nothing: Cosmos
 * has no transaction across documents, and pretending otherwise would lose writes silently.
 */
export async function runBatch(
  principal: Principal,
  items: readonly unknown[],
  context: WriteContext,
  facts: RequestFacts,
  invocation: Pick<InvocationContext, 'error'>,
): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  for (const [index, raw] of items.entries()) {
    const op = typeof (raw as { op?: unknown })?.op === 'string' ? String((raw as { op: string }).op) : null;
    try {
      const parsed = batchItemSchema.safeParse(raw);
      if (!parsed.success) {
        const errors = fieldErrorsFromZod(parsed.error, 'body', raw).map((error) => ({ ...error, field: `items.${index}.${error.field}` }));
        throw validationError(errors);
      }
      const item = parsed.data;
      const stored =
        item.op === 'create'
          ? await createTask(principal, item.task, context)
          : await updateTask(principal, item.id, item.ifMatch, item.patch, context);
      results.push({ index, op, status: item.op === 'create' ? 201 : 200, data: toTaskView(stored, principal) });
    } catch (error) {
      if (error instanceof ApiError) {
        results.push({ index, op, status: error.status, problem: toProblem(error, facts) });
      } else {
        invocation.error(`Batch item ${index} failed unexpectedly (correlation id ${facts.correlationId})`, error);
        results.push({ index, op, status: 500, problem: unexpectedProblem(facts) });
      }
    }
  }
  return results;
}
