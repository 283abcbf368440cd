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
  deletedAt: string | null;
  /** Lower-cased title + description, so `q` search is a CONTAINS on one field, not LOWER() per row. */
  searchText: string;
  schemaVersion: 1;
}

/** A stored task together with the version tag of its current state. */
export interface StoredTask {
  document: TaskDocument;
  /** The HTTP entity tag (always quoted, RFC 9110), sent as `ETag` and compared with If-Match. */
  etag: string;
  /** The Cosmos `_etag` exactly as the database gave it, for its If-Match condition. */
  cosmosEtag: string;
}

export const OPEN_STATUSES: readonly TaskStatus[] = ['pending', 'in_progress'];
export const TERMINAL_STATUSES: readonly TaskStatus[] = ['completed', 'cancelled'];
