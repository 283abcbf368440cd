import { z } from 'zod';
import { cursorParam, limitParam } from './paging.js';
import { caseIdSchema, locationIdSchema, userIdSchema, utcDateTimeSchema } from './primitives.js';
import { jurisdictionSchema, prioritySchema, taskStatusSchema } from './task.js';

/**
 * A query parameter that may hold several values, given either repeated (`status=a&status=b`) or
 * comma-separated (`status=a,b`). The pipeline hands repeated parameters over as arrays.
 */
function multiValue<T extends z.ZodType<unknown, string>>(item: T) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((raw) =>
      (Array.isArray(raw) ? raw : [raw])
        .flatMap((value) => value.split(','))
        .map((value) => value.trim())
        .filter((value) => value !== ''),
    )
    .pipe(z.array(item).min(1, 'must name at least one value').max(20, 'must name at most 20 values'));
}

/** A single-valued query parameter: repeating it is an error, not "last one wins". */
function single<T extends z.ZodType<unknown, string>>(item: T) {
  return z.string({ message: 'must be given once' }).pipe(item);
}

/**
 * Saved views: `my-work` (open tasks assigned to me), `available` (open, unassigned tasks I may
 * claim), `all-work` (everything in my scope). A view fixes the assignee, so it cannot be
 * combined with the `assignee` filter.
 */
export const TASK_VIEWS = ['my-work', 'available', 'all-work'] as const;

export const TASK_SORT_FIELDS = ['dueDate', 'priority', 'createdAt', 'updatedAt'] as const;
export const SORT_ORDERS = ['asc', 'desc'] as const;

/** A boolean query parameter: exactly `true` or `false`. */
const booleanParam = z.enum(['true', 'false'], { message: 'must be true or false' }).transform((value) => value === 'true');

/** `assignee` filter: a user id, `me` (the caller) or `unassigned`. */
const assigneeFilterSchema = z.union([z.literal('me'), z.literal('unassigned'), userIdSchema]);

export const listTasksQuerySchema = z
  .strictObject({
    view: single(z.enum(TASK_VIEWS)).optional(),
    status: multiValue(taskStatusSchema).optional(),
    priority: multiValue(prioritySchema).optional(),
    assignee: single(assigneeFilterSchema).optional(),
    caseId: single(caseIdSchema).optional(),
    jurisdiction: multiValue(jurisdictionSchema).optional(),
    locationId: single(locationIdSchema).optional(),
    dueBefore: single(utcDateTimeSchema).optional(),
    dueAfter: single(utcDateTimeSchema).optional(),
    overdue: single(booleanParam).optional(),
    q: single(z.string().trim().min(2, 'must be at least 2 characters').max(100, 'must be at most 100 characters')).optional(),
    sort: single(z.enum(TASK_SORT_FIELDS)).default('dueDate'),
    order: single(z.enum(SORT_ORDERS)).default('asc'),
    limit: limitParam(20),
    cursor: cursorParam.optional(),
  })
  .refine((query) => !(query.dueBefore && query.dueAfter && query.dueAfter > query.dueBefore), {
    message: 'dueAfter must not be later than dueBefore',
    path: ['dueAfter'],
  })
  .refine((query) => !(query.view && query.view !== 'all-work' && query.assignee), {
    message: 'cannot be combined with a view that fixes the assignee',
    path: ['assignee'],
  });
export type ListTasksQuery = z.infer<typeof listTasksQuerySchema>;

/** `GET /v1/tasks/stats` takes the same filters as the list, without paging and sorting. */
export const taskStatsQuerySchema = z.strictObject({
  jurisdiction: multiValue(jurisdictionSchema).optional(),
  locationId: single(locationIdSchema).optional(),
  assignee: single(assigneeFilterSchema).optional(),
  caseId: single(caseIdSchema).optional(),
});
export type TaskStatsQuery = z.infer<typeof taskStatsQuerySchema>;
