import { z } from 'zod';
import { cursorParam, limitParam } from './paging.js';
import { caseIdSchema, locationIdSchema, userIdSchema, utcDateTimeSchema } from './primitives.js';
import { jurisdictionSchema, prioritySchema, taskStatusSchema } from './task.js';

/**
 * A query parameter that may hold several values, given either repeated (`status=a&status=b`) or
 * comma-separated (`status=a,b`). The pipeline hands repeated parameters over as arrays.
 */
function multiValue<T extends z.ZodType<unknown, string>>(item: T, component: string) {
  return z
    .union([z.string(), z.array(z.string())])
    // Documented as what it is for a client: an array of the enum, sent as repeated parameters
    // (OpenAPI's default form/explode style); commas work too.
    .meta({
      override: ({ jsonSchema }: { jsonSchema: Record<string, unknown> }) => {
        delete jsonSchema.anyOf;
        Object.assign(jsonSchema, { type: 'array', items: { $ref: `#/components/schemas/${component}` }, minItems: 1, maxItems: 20 });
      },
    })
    .transform((raw) =>
      (Array.isArray(raw) ? raw : [raw])
        .flatMap((value) => value.split(','))
        .map((value) => value.trim())
        .filter((value) => value !== ''),
    )
    .pipe(z.array(item).min(1, 'must name at least one value').max(20, 'must name at most 20 values'));
}

/**
 * A single-valued query parameter: repeating it is an error, not "last one wins". Documented as
 * the value's own schema (an enum, a pattern…), not as the plain string the pipe starts from.
 */
function single<T extends z.ZodType<unknown, string>>(item: T) {
  const { $schema: _ignored, ...documented } = z.toJSONSchema(item, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return z
    .string({ message: 'must be given once' })
    .pipe(item)
    .meta({ override: ({ jsonSchema }: { jsonSchema: Record<string, unknown> }) => Object.assign(jsonSchema, documented) });
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
    view: single(z.enum(TASK_VIEWS)).optional().meta({ description: 'A saved view: my-work (open, mine), available (unassigned, pending), all-work (my scope).' }),
    status: multiValue(taskStatusSchema, 'TaskStatus').optional().meta({ description: 'Only these statuses.' }),
    priority: multiValue(prioritySchema, 'Priority').optional().meta({ description: 'Only these priorities.' }),
    assignee: single(assigneeFilterSchema).optional().meta({ description: 'A user id, `me`, or `unassigned`.' }),
    caseId: single(caseIdSchema).optional().meta({ description: 'Only tasks of this case.' }),
    jurisdiction: multiValue(jurisdictionSchema, 'Jurisdiction').optional().meta({ description: 'Only these jurisdictions (within your scope).' }),
    locationId: single(locationIdSchema).optional().meta({ description: 'Only tasks at this court or venue.' }),
    dueBefore: single(utcDateTimeSchema).optional().meta({ description: 'Due strictly before this instant (UTC).' }),
    dueAfter: single(utcDateTimeSchema).optional().meta({ description: 'Due at or after this instant (UTC).' }),
    overdue: single(booleanParam).optional().meta({ description: 'Only tasks flagged overdue (true) or not (false).' }),
    q: single(z.string().trim().min(2, 'must be at least 2 characters').max(100, 'must be at most 100 characters'))
      .optional()
      .meta({ description: 'Case-insensitive text search in title and description.' }),
    sort: single(z.enum(TASK_SORT_FIELDS)).default('dueDate').meta({ description: 'Sort key; ties are broken by id.' }),
    order: single(z.enum(SORT_ORDERS)).default('asc'),
    limit: limitParam(20).meta({ description: 'Page size, 1-100.' }),
    cursor: cursorParam.optional().meta({ description: 'pagination.nextCursor of the previous page; keep the same filters and sort.' }),
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
  jurisdiction: multiValue(jurisdictionSchema, 'Jurisdiction').optional(),
  locationId: single(locationIdSchema).optional(),
  assignee: single(assigneeFilterSchema).optional(),
  caseId: single(caseIdSchema).optional(),
});
export type TaskStatsQuery = z.infer<typeof taskStatsQuerySchema>;
