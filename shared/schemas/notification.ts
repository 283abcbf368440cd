import { z } from 'zod';
import { taskEventSchema } from './event.js';
import { userIdSchema, uuidSchema } from './primitives.js';

/**
 * Emails through GOV.UK Notify (docs/notifications.md): the kinds, a user's preferences, the
 * messages the `notifications` subscription carries besides task events, and the ledger document
 * that makes each email go out once.
 */

/** Each kind has its own Notify template (a setting) and its own opt-out. */
export const NOTIFICATION_KINDS = ['taskAssigned', 'taskReassigned', 'taskCancelled', 'overdueDigest', 'bulkReassignment'] as const;
export const notificationKindSchema = z.enum(NOTIFICATION_KINDS);
export type NotificationKind = z.infer<typeof notificationKindSchema>;

/** A user's choices, one switch per kind; true (the default) means "email me". */
export const notificationPreferencesSchema = z
  .object(Object.fromEntries(NOTIFICATION_KINDS.map((kind) => [kind, z.boolean()])) as Record<NotificationKind, z.ZodBoolean>)
  .meta({
    id: 'NotificationPreferences',
    description:
      'Which emails the user gets: taskAssigned (someone else gave you a task), taskReassigned (a task of yours was given to someone else or unassigned), taskCancelled (someone else cancelled a task of yours), overdueDigest (managers: daily digest of newly overdue tasks in your scope), bulkReassignment (one summary per bulk reassignment that moved your tasks). All true unless switched off.',
  });
export type NotificationPreferences = z.infer<typeof notificationPreferencesSchema>;

/** A change to some of the switches (JSON Merge Patch of the preferences object). */
export const notificationPreferencesPatchSchema = z
  .strictObject(Object.fromEntries(NOTIFICATION_KINDS.map((kind) => [kind, z.boolean()])) as Record<NotificationKind, z.ZodBoolean>)
  .partial();
export type NotificationPreferencesPatch = z.infer<typeof notificationPreferencesPatchSchema>;

export const DEFAULT_NOTIFICATION_PREFERENCES: NotificationPreferences = Object.fromEntries(NOTIFICATION_KINDS.map((kind) => [kind, true])) as NotificationPreferences;

/** Work the notifications consumer hands itself through its subscription (addressed messages). */
export const overdueDigestJobSchema = z.object({
  job: z.literal('overdue-digest'),
  managerId: userIdSchema,
  /** The UTC day of the run (YYYY-MM-DD): one digest per manager per day. */
  day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  /** Tasks flagged overdue in [windowStart, windowEnd) are in the digest. */
  windowStart: z.string(),
  windowEnd: z.string(),
});
export type OverdueDigestJob = z.infer<typeof overdueDigestJobSchema>;

export const bulkReassignmentJobSchema = z.object({
  job: z.literal('bulk-reassignment'),
  operationId: uuidSchema,
});
export type BulkReassignmentJob = z.infer<typeof bulkReassignmentJobSchema>;

export const notificationJobSchema = z.discriminatedUnion('job', [overdueDigestJobSchema, bulkReassignmentJobSchema]);
export type NotificationJob = z.infer<typeof notificationJobSchema>;

/** What the `notifications` subscription delivers: every task event, and the jobs above. */
export const notificationsMessageSchema = z.union([notificationJobSchema, taskEventSchema]);
export type NotificationsMessage = z.infer<typeof notificationsMessageSchema>;

export const NOTIFICATION_STATUSES = ['sending', 'unknown', 'retrying', 'sent', 'rejected'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/**
 * The ledger document (container `notifications`), written before Notify is called:
 * - sending: a send is in progress until leaseUntil (after that, its outcome is unknown);
 * - unknown: Notify may or may not have it (5xx, timeout): look it up by reference before sending;
 * - retrying: Notify refused it for now (429) or the key was refused (403): not sent, send again later;
 * - sent: Notify accepted it (notifyId); nothing is ever sent for it again;
 * - rejected: Notify answered 400; sent again only when an operator replays the dead letter.
 */
export interface NotificationRecord {
  /** `<kind>:<source id>:<recipient id>`; also Notify's `reference`. */
  id: string;
  docType: 'notification';
  kind: NotificationKind;
  /** The event id, the operation id, or the digest day. */
  sourceId: string;
  recipientId: string;
  templateId: string;
  status: NotificationStatus;
  /** Sends tried (Notify calls that could have created it). */
  attempts: number;
  leaseUntil: string | null;
  notifyId: string | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
  /** Digests: the window covered, so the next one starts where this one ended. */
  windowEnd?: string;
}
