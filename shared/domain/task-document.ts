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

/** A stored task together with the ETag Cosmos gave its current version. */
export interface StoredTask {
  document: TaskDocument;
  etag: string;
}

export const OPEN_STATUSES: readonly TaskStatus[] = ['pending', 'in_progress'];
export const TERMINAL_STATUSES: readonly TaskStatus[] = ['completed', 'cancelled'];
