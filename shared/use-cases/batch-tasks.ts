import type { Principal } from '../auth/roles.js';
import type { StoredTask } from '../domain/task-document.js';
import { AppError, validationError } from '../errors/app-error.js';
import { fieldErrorsFromZod } from '../errors/zod-field-errors.js';
import { batchItemSchema } from '../schemas/batch.js';
import { createTask, type CreateTaskDeps } from './create-task.js';
import { updateTask } from './update-task.js';
import type { WriteContext } from './write-context.js';

/** What became of one batch item: written, refused (told why), or failed unexpectedly. */
export type BatchOutcome = { index: number; op: string | null } & (
  | { kind: 'created' | 'updated'; task: StoredTask }
  | { kind: 'refused'; error: AppError }
  | { kind: 'failed'; error: unknown }
);

/**
 * Runs a batch of creates and updates, each on its own and in order (a later item may update a
 * task an earlier one created or changed). Every item gets its own outcome; a refusal names the bad
 * fields as `items.<i>.…`. Nothing is all-or-nothing: Cosmos has no transaction across documents,
 * and pretending otherwise would lose writes silently.
 */
export async function runBatch(deps: CreateTaskDeps, principal: Principal, items: readonly unknown[], context: WriteContext): Promise<BatchOutcome[]> {
  const outcomes: BatchOutcome[] = [];
  for (const [index, raw] of items.entries()) {
    const op = typeof (raw as { op?: unknown })?.op === 'string' ? String((raw as { op: string }).op) : null;
    try {
      const parsed = batchItemSchema.safeParse(raw);
      if (!parsed.success) {
        const errors = fieldErrorsFromZod(parsed.error, 'body', raw).map((error) => ({ ...error, field: `items.${index}.${error.field}` }));
        throw validationError(errors);
      }
      const item = parsed.data;
      try {
        outcomes.push(
          item.op === 'create'
            ? { index, op, kind: 'created', task: await createTask(deps, principal, item.task, context) }
            : { index, op, kind: 'updated', task: await updateTask(deps, principal, item.id, item.ifMatch, item.patch, context) },
        );
      } catch (error) {
        // A refusal names the item's own fields (`locationId`): name them within the batch.
        throw error instanceof AppError ? withFieldPrefix(error, `items.${index}.${item.op === 'create' ? 'task' : 'patch'}.`) : error;
      }
    } catch (error) {
      outcomes.push(error instanceof AppError ? { index, op, kind: 'refused', error } : { index, op, kind: 'failed', error });
    }
  }
  return outcomes;
}

/** The same refusal, with every field error renamed under the item it belongs to. */
function withFieldPrefix(error: AppError, prefix: string): AppError {
  const errors = error.options.errors;
  if (!errors) return error;
  return new AppError(error.kind, error.detail, { ...error.options, errors: errors.map((fieldError) => ({ ...fieldError, field: `${prefix}${fieldError.field}` })) });
}
