import { publishOutbox } from '../events/outbox.js';
import type { Services } from '../services.js';

/** Tasks read per query, and at most per run: a long backlog is drained over several runs. */
export const RELAY_BATCH = 100;
export const RELAY_MAX_PER_RUN = 2000;

export interface RelayOutcome {
  /** Events published in this run. */
  relayed: number;
  /** Set when the run stopped at a task it could not publish. */
  stoppedAt?: { taskId: string; reason: string };
  /**
   * What was waiting when the run started: tasks with events in their outbox, and the oldest event's
   * age. Undefined when it could not be measured: measuring must never stop the relaying.
   */
  backlog: { tasks: number; oldestAgeMs: number } | undefined;
}

/**
 * Publishes events still waiting in task outboxes (their publish after the write failed, or the
 * process died in between), oldest first. Stops at the first failure: Service Bus is likely down,
 * and the next run resumes from the same oldest task, so order is kept.
 *
 * A run takes only the outboxes that were already waiting when it started. Under load, requests
 * keep adding (and then publishing) events of their own; chasing those would keep one run going
 * for as long as traffic lasts, and race each request's own publish for nothing. The next run
 * picks up whatever a request failed to publish.
 */
export async function relayOutbox(deps: Pick<Services, 'tasks' | 'messaging' | 'now'>, traceparent?: string): Promise<RelayOutcome> {
  const now = deps.now();
  const startedAt = now.toISOString();
  const waiting = await deps.tasks.outboxBacklog().catch(() => undefined);
  const backlog = waiting && { tasks: waiting.tasks, oldestAgeMs: waiting.oldestSince ? Math.max(0, now.getTime() - Date.parse(waiting.oldestSince)) : 0 };
  let relayed = 0;
  let seen = 0;
  while (seen < RELAY_MAX_PER_RUN) {
    const batch = await deps.tasks.withPendingEvents(RELAY_BATCH, startedAt);
    if (batch.length === 0) break;
    for (const task of batch) {
      try {
        relayed += await publishOutbox(task, deps, traceparent);
      } catch (error) {
        return { relayed, backlog, stoppedAt: { taskId: task.document.id, reason: error instanceof Error ? error.message : String(error) } };
      }
    }
    seen += batch.length;
  }
  return { relayed, backlog };
}
