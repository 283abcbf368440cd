import type { Principal } from '../auth/roles.js';
import type { Task } from '../schemas/task.js';
import type { StoredTask } from './task-document.js';
import { allowedActions } from './permissions.js';

/** A stored task as the API shows it to this caller: no storage-only fields, plus its actions. */
export function toTaskView({ document, etag }: StoredTask, principal: Principal): Task {
  return {
    id: document.id,
    caseId: document.caseId,
    jurisdiction: document.jurisdiction,
    locationId: document.locationId,
    title: document.title,
    description: document.description,
    status: document.status,
    priority: document.priority,
    dueDate: document.dueDate,
    assignee: document.assignee,
    createdBy: document.createdBy,
    createdAt: document.createdAt,
    updatedAt: document.updatedAt,
    completedAt: document.completedAt,
    cancelledAt: document.cancelledAt,
    cancellationReason: document.cancellationReason,
    deletedAt: document.deletedAt,
    overdue: document.overdue,
    overdueSince: document.overdueSince,
    etag,
    allowedActions: allowedActions(principal, document),
  };
}
