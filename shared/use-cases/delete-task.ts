import type { Principal } from '../auth/roles.js';
import { assertMayAttempt, assertStateAllows } from '../domain/permissions.js';
import { recordEvent } from '../domain/task-events.js';
import { publishAfterWrite } from '../events/outbox.js';
import type { Services } from '../services.js';
import { callerWrite } from './conditional-write.js';
import { eventFacts, type WriteContext } from './write-context.js';

/**
 * Soft delete: the document stays (for the audit trail and recovery) with `deletedAt` set, and
 * disappears from every read. Conditioned on If-Match like every other write; emits task.deleted.
 */
export async function deleteTask(
  deps: Pick<Services, 'tasks' | 'messaging' | 'now'>,
  principal: Principal,
  id: string,
  ifMatch: string | null,
  context: WriteContext,
): Promise<void> {
  const result = await callerWrite(deps.tasks, id, {
    authorize: (task) => assertMayAttempt(principal, 'delete', task, id),
    ifMatch: { header: ifMatch, required: true },
    decide: (current) => {
      assertStateAllows(principal, 'delete', current.document);
      const now = deps.now();
      const timestamp = now.toISOString();
      return recordEvent(current.document, { ...current.document, deletedAt: timestamp, updatedAt: timestamp }, eventFacts(context, now));
    },
  });
  await publishAfterWrite(result.after, deps, context);
}
