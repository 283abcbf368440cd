import { z } from 'zod';
import { sensitive } from './primitives.js';
import { jurisdictionSchema, taskSchema } from './task.js';

/**
 * Every change to a task becomes one of these events (docs/events.md is the catalogue). Events are
 * versioned (`schemaVersion`) so consumers can evolve; within a version fields are only added.
 */
export const TASK_EVENT_TYPES = [
  'task.created',
  'task.updated',
  'task.status_changed',
  'task.assigned',
  'task.completed',
  'task.cancelled',
  'task.deleted',
  'task.overdue',
  'task.claimed',
  'task.unclaimed',
  'task.reopened',
  'task.note_added',
  'task.note_redacted',
  'task.attachment_added',
  'task.attachment_rejected',
  'task.attachment_scanned',
  'task.attachment_deleted',
] as const;
export const taskEventTypeSchema = z.enum(TASK_EVENT_TYPES);
export type TaskEventType = z.infer<typeof taskEventTypeSchema>;

/** The task as an event records it: the API fields, without caller-specific ones. */
export const taskSnapshotSchema = taskSchema
  .omit({ etag: true, allowedActions: true })
  .extend({ version: z.number().int().positive() })
  .meta({ id: 'TaskSnapshot' });
export type TaskSnapshot = z.infer<typeof taskSnapshotSchema>;

export const actorSchema = z.object({
  /** The user's id, or `system` for changes the app makes itself (e.g. flagging overdue tasks). */
  userId: z.string(),
  name: sensitive(z.string()).nullable(),
});

const noteEventSchema = z.object({
  id: z.uuid(),
  /** SHA-256 (hex) of the note's text as written (UTF-8). */
  textSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** task.note_redacted: why. */
  reason: sensitive(z.string().max(500)).optional(),
});

const attachmentEventSchema = z.object({
  id: z.uuid(),
  fileName: sensitive(z.string().max(255)),
  contentType: z.string().max(255),
  sizeBytes: z.number().int().min(0),
  status: z.enum(['pending', 'available', 'rejected', 'deleted']),
  scan: z.enum(['not_scanned', 'clean', 'infected']),
  rejectionReason: z.string().max(500).nullable(),
});

export const taskEventSchema = z.object({
  id: z.uuid(),
  schemaVersion: z.literal(1),
  type: taskEventTypeSchema,
  taskId: z.uuid(),
  caseId: z.string(),
  jurisdiction: jurisdictionSchema,
  actor: actorSchema,
  occurredAt: z.string(),
  correlationId: z.string(),
  /** The task's version after this change: 1 for creation, +1 per change, gap-free per task. */
  sequence: z.number().int().positive(),
  /** Hash of the task's previous event (null for the first): the audit trail's chain. */
  previousHash: z.string().nullable(),
  /** SHA-256 (hex) of this event's canonical JSON (RFC 8785) without `hash`. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  before: taskSnapshotSchema.nullable(),
  after: taskSnapshotSchema.nullable(),
  /** Names of the fields that changed. */
  changes: z.array(z.string()),
  /** Set when a bulk operation made the change (e.g. a reassignment): its id. Absent otherwise. */
  operationId: z.uuid().optional(),
  /**
   * task.note_added / task.note_redacted: which note. The text itself is never in an event: the
   * trail is immutable and a redaction must remove it, so the event holds its SHA-256 instead,
   * which still proves what a note said. Added within version 1.
   */
  note: noteEventSchema.optional(),
  /** task.attachment_*: the file's record after the change. Added within version 1. */
  attachment: attachmentEventSchema.optional(),
  /**
   * The W3C traceparent of the invocation that made the change: its trace id is the Application
   * Insights operation id of the request, so an audit record leads to its whole transaction, and
   * the outbox sends the event in that trace however late. Absent on events recorded before it existed.
   */
  traceparent: z
    .string()
    .regex(/^00-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/)
    .optional()
    .meta({ description: 'W3C traceparent of the request that made the change (its trace id is the Application Insights operation id).' }),
});
export type TaskEvent = z.infer<typeof taskEventSchema>;
