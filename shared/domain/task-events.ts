import type { TaskEvent, TaskEventType, TaskSnapshot } from '../schemas/event.js';
import { unavailable } from '../errors/app-error.js';
import { eventHash } from './event-hash.js';
import type { TaskDocument } from './task-document.js';
import { changedFields } from './task-rules.js';

export interface EventFacts {
  eventId: string;
  /** The event type when the caller knows the intent better than the diff does (claim, reopen…). */
  type?: TaskEventType;
  actor: { userId: string; name: string | null };
  correlationId: string;
  now: Date;
  /** The bulk operation making the change, recorded on the event. */
  operationId?: string;
  /** The W3C traceparent of the invocation making the change, recorded on the event. */
  traceparent?: string;
  /** Notes and attachments: what the event is about (shared/domain/note-document.ts, attachment-record.ts). */
  note?: TaskEvent['note'];
  attachment?: TaskEvent['attachment'];
}

export const SYSTEM_ACTOR = { userId: 'system', name: 'Caseload' } as const;

/**
 * At most this many unpublished events per task. Each holds the task before and after (~1.6 KiB),
 * so during a long Service Bus outage a busy task would otherwise grow towards Cosmos's 2 MB
 * document limit and fail with a 500; beyond this, changes are refused with a retryable 503
 * until the relay has published the backlog. Nothing is lost either way.
 */
export const MAX_PENDING_EVENTS = 200;

/** The task as events record it. */
export function snapshotOf(task: TaskDocument): TaskSnapshot {
  return {
    id: task.id,
    caseId: task.caseId,
    jurisdiction: task.jurisdiction,
    locationId: task.locationId,
    title: task.title,
    description: task.description,
    status: task.status,
    priority: task.priority,
    dueDate: task.dueDate,
    assignee: task.assignee,
    createdBy: task.createdBy,
    createdAt: task.createdAt,
    updatedAt: task.updatedAt,
    completedAt: task.completedAt,
    cancelledAt: task.cancelledAt,
    cancellationReason: task.cancellationReason,
    deletedAt: task.deletedAt,
    overdue: task.overdue,
    overdueSince: task.overdueSince,
    version: task.version,
  };
}

/**
 * The event type that best names a change. A change that finishes, deletes or flags a task is
 * named for that; a reassignment for the assignment; otherwise a status move or a plain update.
 */
export function eventTypeFor(before: TaskDocument | null, after: TaskDocument, changes: readonly string[]): TaskEventType {
  if (!before) return 'task.created';
  if (after.deletedAt !== null && before.deletedAt === null) return 'task.deleted';
  if (after.status !== before.status && after.status === 'completed') return 'task.completed';
  if (after.status !== before.status && after.status === 'cancelled') return 'task.cancelled';
  if (after.overdue && !before.overdue) return 'task.overdue';
  if (changes.includes('assignee')) return 'task.assigned';
  if (changes.includes('status')) return 'task.status_changed';
  return 'task.updated';
}

/**
 * Records a change on the task document itself: bumps the version, builds the event (chained to
 * the previous one by hash) and appends it to the embedded outbox. The caller writes the returned
 * document in one ETag-conditioned write, so the change and its event are stored atomically.
 */
export function recordEvent(before: TaskDocument | null, next: TaskDocument, facts: EventFacts): TaskDocument {
  if (next.pendingEvents.length >= MAX_PENDING_EVENTS) {
    throw unavailable('This task has too many changes waiting to be published while Service Bus is unavailable. Retry later.', 30);
  }
  const versioned: TaskDocument = { ...next, version: (before?.version ?? 0) + 1 };
  const changes = before ? changedFields(before, versioned) : [];
  const content: Omit<TaskEvent, 'hash'> = {
    id: facts.eventId,
    schemaVersion: 1,
    type: facts.type ?? eventTypeFor(before, versioned, changes),
    taskId: versioned.id,
    caseId: versioned.caseId,
    jurisdiction: versioned.jurisdiction,
    actor: facts.actor,
    occurredAt: facts.now.toISOString(),
    correlationId: facts.correlationId,
    sequence: versioned.version,
    previousHash: before?.lastEventHash ?? null,
    before: before ? snapshotOf(before) : null,
    after: snapshotOf(versioned),
    changes,
    ...(facts.operationId ? { operationId: facts.operationId } : {}),
    ...(facts.traceparent ? { traceparent: facts.traceparent } : {}),
    ...(facts.note ? { note: facts.note } : {}),
    ...(facts.attachment ? { attachment: facts.attachment } : {}),
  };
  const event: TaskEvent = { ...content, hash: eventHash(content) };
  return {
    ...versioned,
    lastEventHash: event.hash,
    pendingEvents: [...versioned.pendingEvents, event],
    outboxSince: versioned.outboxSince ?? event.occurredAt,
  };
}
