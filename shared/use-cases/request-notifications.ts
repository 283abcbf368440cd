import type { Principal } from '../auth/roles.js';
import { ADDRESSED_TO_PROPERTY, TOPICS } from '../config/entities.js';
import { SYSTEM_ACTOR } from '../domain/task-events.js';
import type { OutgoingMessage } from '../messaging/messaging.js';
import type { BulkReassignmentJob, OverdueDigestJob } from '../schemas/notification.js';
import { TERMINAL_OPERATION_STATUSES, type OperationDocument } from '../schemas/operation.js';
import type { Services } from '../services.js';
import { bulkReassignmentMessageId, overdueDigestMessageId } from './handle-notifications-message.js';

/**
 * The notifications that are not about one task event are jobs handed to the notifications
 * consumer through its own subscription (messages addressed to it; docs/notifications.md), so
 * they get the same exactly-once sending, retry scheduling and dead-letter handling.
 */
const toNotifications = (job: OverdueDigestJob | BulkReassignmentJob, messageId: string, correlationId: string): OutgoingMessage => ({
  messageId,
  body: job,
  subject: `notification.${job.job}`,
  correlationId,
  applicationProperties: { [ADDRESSED_TO_PROPERTY]: TOPICS.taskEvents.subscriptions.notifications },
});

/** A digest covers at most this far back (a manager's first digest: one day). */
const FIRST_WINDOW_MS = 24 * 3_600_000;
const LONGEST_WINDOW_MS = 7 * 24 * 3_600_000;
const MANAGERS_PAGE = 100;
/** Who the digest run pages the directory as: its cursors are signed for it and never leave this process. */
const DIGEST_CALLER: Principal = { userId: SYSTEM_ACTOR.userId, name: SYSTEM_ACTOR.name, roles: ['admin'] };

/**
 * The daily digest run: one job per active manager, covering the tasks flagged overdue since
 * their previous digest ended (their first: the last day), up to now. The job's message id is
 * the manager and the UTC day, and so is the email's ledger id: one digest per manager per day,
 * however often the timer runs.
 */
export async function scheduleOverdueDigests(deps: Pick<Services, 'users' | 'notifications' | 'messaging' | 'now'>, correlationId: string): Promise<number> {
  const now = deps.now();
  const windowEnd = now.toISOString();
  const day = windowEnd.slice(0, 10);
  const messages: OutgoingMessage[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.users.list({ role: 'manager', active: true }, 'all', { limit: MANAGERS_PAGE, cursor, caller: DIGEST_CALLER });
    for (const { document: manager } of page.users) {
      const previousEnd = await deps.notifications.lastDigestWindowEnd(manager.id);
      const earliest = now.getTime() - LONGEST_WINDOW_MS;
      const start = previousEnd ? Math.max(Date.parse(previousEnd), earliest) : now.getTime() - FIRST_WINDOW_MS;
      if (start >= now.getTime()) continue;
      const job: OverdueDigestJob = { job: 'overdue-digest', managerId: manager.id, day, windowStart: new Date(start).toISOString(), windowEnd };
      messages.push(toNotifications(job, overdueDigestMessageId(job), correlationId));
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  await deps.messaging.send(TOPICS.taskEvents.name, messages);
  return messages.length;
}

/**
 * Once a bulk reassignment has finished, asks for its summary emails (one per person whose tasks
 * it moved). Called by the chunk processor after the merge that finished the operation, and
 * again by any later delivery of a chunk of a finished operation, so a crash between the two
 * loses nothing; the message id (duplicate detection) and the ledger make the repeats harmless.
 */
export async function requestBulkReassignmentSummary(deps: Pick<Services, 'messaging'>, operation: OperationDocument): Promise<void> {
  if (operation.type !== 'reassign' || !TERMINAL_OPERATION_STATUSES.includes(operation.status)) return;
  const job: BulkReassignmentJob = { job: 'bulk-reassignment', operationId: operation.id };
  await deps.messaging.send(TOPICS.taskEvents.name, [toNotifications(job, bulkReassignmentMessageId(operation.id), operation.correlationId)]);
}
