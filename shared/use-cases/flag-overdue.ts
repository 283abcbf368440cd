import { randomUUID } from 'node:crypto';
import { publishOutbox } from '../events/outbox.js';
import { recordEvent, SYSTEM_ACTOR } from '../domain/task-events.js';
import { isNewlyOverdue, markOverdue } from '../domain/task-rules.js';
import type { Services } from '../services.js';
import { conditionalWrite } from './conditional-write.js';

export type FlagOutcome = 'flagged' | 'skipped';

/**
 * Flags one task overdue if, on a fresh read, it still is: open, not deleted, past due and not
 * yet flagged. Anything else (completed since the scan, due date moved, already flagged by a
 * redelivered message) is a no-op, which is what makes reprocessing harmless.
 */
export async function flagOverdue(
  deps: Pick<Services, 'tasks' | 'messaging' | 'now'>,
  taskId: string,
  correlationId: string,
  traceparent?: string,
): Promise<FlagOutcome> {
  const result = await conditionalWrite(deps.tasks, taskId, (current) => {
    const now = deps.now();
    if (!current || !isNewlyOverdue(current.document, now)) return undefined;
    return recordEvent(current.document, markOverdue(current.document, now), {
      eventId: randomUUID(),
      actor: SYSTEM_ACTOR,
      correlationId,
      now,
    });
  });
  if (!result?.written) return 'skipped';
  // The flag and its event are stored; if publishing fails now the relay publishes the event
  // later, so this message is still done (retrying it would find the task flagged and skip).
  await publishOutbox(result.after, deps, traceparent).catch(() => undefined);
  return 'flagged';
}
