import { QUEUES } from '../config/entities.js';
import type { OverdueCandidate } from '../schemas/overdue.js';
import type { Jurisdiction } from '../schemas/task.js';
import type { Services } from '../services.js';
import { overdueBacklog } from './task-stats.js';

/** Tasks one run queues at most; the next run picks up the rest. */
export const OVERDUE_MAX_PER_RUN = 5000;

/** The message id of an overdue candidate: one per task and due date, so a rescan is a duplicate. */
export const overdueMessageId = (taskId: string, dueDate: string): string => `overdue:${taskId}:${dueDate}`;

export interface OverdueScan {
  queued: number;
  /** Flagged, open tasks per jurisdiction: the backlog the operations workbook and its alert watch. */
  backlog: Record<Jurisdiction, number>;
}

/**
 * Finds open tasks that have passed their due date and are not flagged yet, and queues one
 * message per task. The messageId is derived from the task and its due date, so a rescan within
 * the duplicate detection window is dropped by Service Bus, and processing is idempotent anyway.
 */
export async function scanOverdue(deps: Pick<Services, 'tasks' | 'counters' | 'messaging' | 'now'>, correlationId: string): Promise<OverdueScan> {
  const due = await deps.tasks.findNewlyOverdue(deps.now(), OVERDUE_MAX_PER_RUN);
  await deps.messaging.send(
    QUEUES.overdueTasks.name,
    due.map((task) => ({
      messageId: overdueMessageId(task.id, task.dueDate),
      body: { taskId: task.id, dueDate: task.dueDate } satisfies OverdueCandidate,
      subject: 'task.overdue-candidate',
      correlationId,
    })),
  );
  // From the maintained counters (one query, whatever the number of tasks), not a count per jurisdiction.
  return { queued: due.length, backlog: await overdueBacklog(deps) };
}
