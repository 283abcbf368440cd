import type { TaskEvent } from '../schemas/event.js';
import type { AttachmentRecord } from './attachment-record.js';
import type { NoteWrite } from './note-document.js';
import type { Jurisdiction, Priority, TaskStatus } from '../schemas/task.js';

/**
 * A task as stored in the `tasks` container. Every field is always present (null when empty) so
 * queries can test `= null` instead of IS_DEFINED, which is cheaper and works the same everywhere.
 */
export interface TaskDocument {
  id: string;
  caseId: string;
  jurisdiction: Jurisdiction;
  locationId: string;
  title: string;
  description: string;
  status: TaskStatus;
  priority: Priority;
  /** Numeric form of priority (low 1 … urgent 4): sorting the enum's strings would be alphabetical. */
  priorityRank: number;
  dueDate: string;
  assignee: string | null;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  cancelledAt: string | null;
  /** Why the task was cancelled (from the cancel action); null otherwise. */
  cancellationReason: string | null;
  deletedAt: string | null;
  /** Set by overdue processing while the task is open and past due; cleared when that stops being true. */
  overdue: boolean;
  overdueSince: string | null;
  /** Lower-cased title + description, so `q` search is a CONTAINS on one field, not LOWER() per row. */
  searchText: string;
  /**
   * Business version: 1 at creation, +1 per change. It is the HTTP ETag, so housekeeping writes
   * that do not change the task (clearing the outbox) never invalidate a client's ETag.
   */
  version: number;
  /** Hash of the task's latest event: the head of its audit chain. */
  lastEventHash: string | null;
  /**
   * The embedded outbox: events written atomically with the change that caused them, removed
   * once published to Service Bus. `outboxSince` is the oldest one's time (null when empty), so
   * the relay can find stuck events oldest first with one indexed query.
   */
  pendingEvents: TaskEvent[];
  outboxSince: string | null;
  /**
   * The task's files (docs/attachments.md): each record's state changes in the same conditioned
   * write as its event. Absent on tasks that never had one (no migration of older documents).
   */
  attachments?: AttachmentRecord[];
  /**
   * Note documents to write, stored with the event that records them (the same idea as the outbox):
   * cleared once the note document is written, finished by notes-attachments-sweep after a crash.
   * `noteWritesSince` is the oldest one's time (null or absent when none), for an indexed query.
   */
  noteWrites?: NoteWrite[];
  noteWritesSince?: string | null;
  schemaVersion: 1;
}

/** A stored task together with the version tag of its current state. */
export interface StoredTask {
  document: TaskDocument;
  /** The HTTP entity tag, derived from the business version (see `httpEtag`). */
  etag: string;
  /** The Cosmos `_etag` exactly as the database gave it, for its If-Match condition. */
  cosmosEtag: string;
}

/** The HTTP entity tag of a task version (quoted, RFC 9110). */
export const httpEtag = (document: Pick<TaskDocument, 'version'>): string => `"${document.version}"`;

export const TERMINAL_STATUSES: readonly TaskStatus[] = ['completed', 'cancelled'];
