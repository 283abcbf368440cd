import { z } from 'zod';
import { roleSchema } from '../auth/roles.js';
import { cursorParam, limitParam } from './paging.js';
import { booleanParam, single } from './query-params.js';
import { locationIdSchema, sensitive, userIdSchema } from './primitives.js';
import { notificationPreferencesPatchSchema, notificationPreferencesSchema } from './notification.js';
import { jurisdictionSchema } from './task.js';

const nameSchema = sensitive(z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'));
const emailSchema = sensitive(z.email({ message: 'must be an email address' }).max(254)).transform((value) => value.toLowerCase());
const uniqueList = <T extends z.ZodType<string>>(item: T, max: number) =>
  z
    .array(item)
    .max(max)
    .refine((values) => new Set(values).size === values.length, 'must not repeat a value');

/**
 * A user in the work-allocation directory. In Azure the identity (object id) and the app roles
 * come from Entra ID tokens; the directory holds what Entra does not: the jurisdictions and
 * locations a user works in, and whether they are active in Caseload.
 */
export const userSchema = z.object({
  id: userIdSchema,
  name: sensitive(z.string()),
  email: sensitive(z.string()),
  roles: z.array(roleSchema),
  jurisdictions: z.array(jurisdictionSchema),
  /** Court/venue ids; empty means every location in the user's jurisdictions. */
  locations: z.array(z.string()),
  active: z.boolean(),
  /** Which emails the user gets (all unless switched off); an inactive user gets none. */
  notificationPreferences: notificationPreferencesSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  etag: z.string(),
}).meta({
  id: 'User',
  example: {
    id: 'c0000000-0000-4000-8000-000000000001',
    name: 'Casey Caseworker',
    email: 'casey.caseworker@justice.gov.uk',
    roles: ['caseworker'],
    jurisdictions: ['IA', 'SSCS', 'EMPLOYMENT'],
    locations: [],
    active: true,
    notificationPreferences: { taskAssigned: true, taskReassigned: true, taskCancelled: true, overdueDigest: true, bulkReassignment: true },
    createdAt: '2029-11-01T09:00:00.000Z',
    updatedAt: '2029-11-01T09:00:00.000Z',
    etag: '"1"',
  },
});
export type User = z.infer<typeof userSchema>;

export const createUserSchema = z.strictObject({
  /** The Entra object id of the user. */
  id: userIdSchema,
  name: nameSchema,
  email: emailSchema,
  roles: uniqueList(roleSchema, 4).min(1, 'must name at least one role'),
  jurisdictions: uniqueList(jurisdictionSchema, 20).default([]),
  locations: uniqueList(locationIdSchema, 100).default([]),
  active: z.boolean().default(true),
  notificationPreferences: notificationPreferencesPatchSchema.optional(),
});
export type CreateUserInput = z.infer<typeof createUserSchema>;

export const updateUserSchema = z
  .strictObject({
    name: nameSchema,
    email: emailSchema,
    roles: uniqueList(roleSchema, 4).min(1, 'must name at least one role'),
    jurisdictions: uniqueList(jurisdictionSchema, 20),
    locations: uniqueList(locationIdSchema, 100),
    active: z.boolean(),
    /** Merged into the current preferences: name only the switches to change. */
    notificationPreferences: notificationPreferencesPatchSchema,
  })
  .partial()
  .refine((patch) => Object.keys(patch).length > 0, { message: 'must change at least one field' })
  .meta({ minProperties: 1 });
export type UpdateUserInput = z.infer<typeof updateUserSchema>;

/** Body of `PATCH /v1/users/me`: what anyone may change about themselves. */
export const updateMeSchema = z.strictObject({
  notificationPreferences: notificationPreferencesPatchSchema
    .refine((patch) => Object.keys(patch).length > 0, { message: 'must change at least one switch' })
    .meta({ minProperties: 1 }),
});
export type UpdateMeInput = z.infer<typeof updateMeSchema>;

export const userIdParamsSchema = z.strictObject({ id: userIdSchema });

export const listUsersQuerySchema = z.strictObject({
  role: single(roleSchema).optional(),
  jurisdiction: single(jurisdictionSchema).optional(),
  active: booleanParam().optional(),
  limit: limitParam(50),
  cursor: cursorParam.optional(),
});
export type ListUsersQuery = z.infer<typeof listUsersQuerySchema>;
