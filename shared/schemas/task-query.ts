import { z } from 'zod';
import { cursorParam, limitParam } from './paging.js';
import { booleanParam, multiValue, single } from './query-params.js';
import { caseIdSchema, locationIdSchema, userIdSchema, utcDateTimeSchema } from './primitives.js';
import { jurisdictionSchema, prioritySchema, taskStatusSchema } from './task.js';

/**
 * Saved views: `my-work` (open tasks assigned to me), `available` (open, unassigned tasks I may
 * claim), `all-work` (everything in my scope). A view fixes the assignee, so it cannot be
 * combined with the `assignee` filter.
 */
export const TASK_VIEWS = ['my-work', 'available', 'all-work'] as const;

export const TASK_SORT_FIELDS = ['dueDate', 'priority', 'createdAt', 'updatedAt'] as const;
export const SORT_ORDERS = ['asc', 'desc'] as const;

/** `assignee` filter: a user id, `me` (the caller) or `unassigned`. */
const assigneeFilterSchema = z.union([z.literal('me'), z.literal('unassigned'), userIdSchema]);

export const listTasksQuerySchema = z
  .strictObject({
    view: single(z.enum(TASK_VIEWS)).optional().meta({ description: 'A saved view: my-work (open, mine), available (unassigned, pending), all-work (my scope).' }),
    status: multiValue(taskStatusSchema, 'TaskStatus', 'status').meta({ description: 'Only these statuses.' }),
    priority: multiValue(prioritySchema, 'Priority', 'priority').meta({ description: 'Only these priorities.' }),
    assignee: single(assigneeFilterSchema).optional().meta({ description: 'A user id, `me`, or `unassigned`.' }),
    caseId: single(caseIdSchema).optional().meta({ description: 'Only tasks of this case.' }),
    jurisdiction: multiValue(jurisdictionSchema, 'Jurisdiction', 'jurisdiction').meta({ description: 'Only these jurisdictions (within your scope).' }),
    locationId: single(locationIdSchema).optional().meta({ description: 'Only tasks at this court or venue.' }),
    dueBefore: single(utcDateTimeSchema).optional().meta({ description: 'Due strictly before this instant (UTC).' }),
    dueAfter: single(utcDateTimeSchema).optional().meta({ description: 'Due at or after this instant (UTC).' }),
    overdue: booleanParam().optional().meta({ description: 'Only tasks flagged overdue (true) or not (false).' }),
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
  jurisdiction: multiValue(jurisdictionSchema, 'Jurisdiction', 'jurisdiction'),
  locationId: single(locationIdSchema).optional(),
  assignee: single(assigneeFilterSchema).optional(),
  caseId: single(caseIdSchema).optional(),
});
export type TaskStatsQuery = z.infer<typeof taskStatsQuerySchema>;
