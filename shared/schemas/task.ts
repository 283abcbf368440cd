import { z } from 'zod';
import {
  caseIdSchema,
  descriptionSchema,
  locationIdSchema,
  sensitive,
  titleSchema,
  userIdSchema,
  utcDateTimeSchema,
  uuidSchema,
} from './primitives.js';

export const JURISDICTIONS = ['IA', 'CIVIL', 'FAMILY', 'EMPLOYMENT', 'SSCS', 'PRIVATELAW', 'PUBLICLAW'] as const;
export const jurisdictionSchema = z.enum(JURISDICTIONS).meta({ id: 'Jurisdiction' });
export type Jurisdiction = z.infer<typeof jurisdictionSchema>;

export const TASK_STATUSES = ['pending', 'in_progress', 'completed', 'cancelled'] as const;
export const taskStatusSchema = z.enum(TASK_STATUSES).meta({ id: 'TaskStatus' });
export type TaskStatus = z.infer<typeof taskStatusSchema>;

/** Ordered from least to most urgent: the index is the rank used for sorting. */
export const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export const prioritySchema = z.enum(PRIORITIES).meta({ id: 'Priority' });
export type Priority = z.infer<typeof prioritySchema>;

/** Body of `POST /v1/tasks`. Unknown fields are rejected, never silently dropped. */
export const createTaskSchema = z.strictObject({
  caseId: caseIdSchema,
  jurisdiction: jurisdictionSchema,
  locationId: locationIdSchema,
  title: titleSchema,
  description: descriptionSchema.default(''),
  priority: prioritySchema.default('medium'),
  dueDate: utcDateTimeSchema,
  /** Omitted: a caseworker's own task is assigned to them; anyone else's is unassigned. */
  assignee: userIdSchema.nullable().optional(),
}).meta({
  id: 'NewTask',
  example: {
    caseId: '1234567812345678',
    jurisdiction: 'IA',
    locationId: '765324',
    title: 'Review appeal bundle',
    description: 'Check the bundle is complete before listing',
    priority: 'high',
    dueDate: '2030-01-15T09:00:00Z',
  },
});
export type CreateTaskInput = z.infer<typeof createTaskSchema>;

/**
 * The fields a client may change after creation. caseId and jurisdiction are fixed for a task's
 * life: a task on the wrong case is cancelled and a new one created, so the audit trail stays true.
 */
const mutableTaskFields = {
  locationId: locationIdSchema,
  title: titleSchema,
  description: descriptionSchema,
  status: taskStatusSchema,
  priority: prioritySchema,
  dueDate: utcDateTimeSchema,
  assignee: userIdSchema.nullable(),
};

/** Body of `PUT /v1/tasks/{id}`: every mutable field, nothing else. */
export const replaceTaskSchema = z.strictObject(mutableTaskFields).meta({ id: 'TaskReplacement' });
export type ReplaceTaskInput = z.infer<typeof replaceTaskSchema>;

/**
 * Body of `PATCH /v1/tasks/{id}` (JSON Merge Patch, RFC 7396): any subset of the mutable fields.
 * `null` removes a value, which only makes sense for `assignee` (unassign) and `description`
 * (cleared); for the other fields it is rejected rather than guessed at.
 */
export const patchTaskSchema = z
  .strictObject({
    ...mutableTaskFields,
    description: descriptionSchema.nullable().transform((value) => value ?? ''),
  })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'must change at least one field' })
  .meta({ id: 'TaskPatch', minProperties: 1, example: { priority: 'urgent', assignee: null } });

/** An instant in a response: normalised ISO 8601 UTC. */
const instant = z.string().max(40).meta({ format: 'date-time' });

/** A task as the API returns it. */
export const taskSchema = z.object({
  id: uuidSchema,
  caseId: caseIdSchema,
  jurisdiction: jurisdictionSchema,
  locationId: locationIdSchema,
  title: sensitive(z.string().max(255)),
  description: sensitive(z.string().max(2000)),
  status: taskStatusSchema,
  priority: prioritySchema,
  dueDate: instant,
  assignee: z.string().max(128).nullable(),
  createdBy: z.string().max(128),
  createdAt: instant,
  updatedAt: instant,
  completedAt: instant.nullable(),
  cancelledAt: instant.nullable(),
  cancellationReason: sensitive(z.string().max(500)).nullable(),
  deletedAt: instant.nullable(),
  /** Flagged by overdue processing: open and past its due date. */
  overdue: z.boolean(),
  overdueSince: instant.nullable(),
  /** The same value as the ETag header: send it back in If-Match to update this version. */
  etag: z.string().max(200),
  /** What the caller may do with this task now, computed by the rules that enforce it. */
  allowedActions: z.array(z.enum(['claim', 'unclaim', 'assign', 'complete', 'cancel', 'reopen', 'update', 'delete'])).max(8),
}).meta({
  id: 'Task',
  example: {
    id: '3f0c6f0e-8d9a-4b53-9d0f-2b1a4c6e8f10',
    caseId: '1234567812345678',
    jurisdiction: 'IA',
    locationId: '765324',
    title: 'Review appeal bundle',
    description: 'Check the bundle is complete before listing',
    status: 'in_progress',
    priority: 'high',
    dueDate: '2030-01-15T09:00:00.000Z',
    assignee: 'c0000000-0000-4000-8000-000000000001',
    createdBy: 'b0000000-0000-4000-8000-000000000001',
    createdAt: '2029-12-01T10:30:00.000Z',
    updatedAt: '2029-12-02T08:15:00.000Z',
    completedAt: null,
    cancelledAt: null,
    cancellationReason: null,
    deletedAt: null,
    overdue: false,
    overdueSince: null,
    etag: '"3"',
    allowedActions: ['unclaim', 'assign', 'complete', 'cancel', 'update'],
  },
});
export type Task = z.infer<typeof taskSchema>;

export const taskIdParamsSchema = z.strictObject({ id: uuidSchema });

/** Body of `POST /v1/tasks/{id}/assign`: the new assignee, or null to put the task back in the queue. */
export const assignTaskSchema = z.strictObject({ userId: userIdSchema.nullable() });

/** Body of `POST /v1/tasks/{id}/cancel`. */
export const cancelTaskSchema = z.strictObject({
  reason: sensitive(
    z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(500, 'must be at most 500 characters')
      .refine((value) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.test(value), 'must not contain control characters'),
  ),
});
