import { TOPICS } from '../config/entities.js';
import type { StoredTask } from '../domain/task-document.js';
import type { Messaging } from '../messaging/messaging.js';
import type { TaskRepository } from '../store/task-repository.js';
import { eventMessage } from './event-message.js';

export interface OutboxDeps {
  tasks: TaskRepository;
  messaging: Messaging;
}

/**
 * Publishes a task's pending events to the `task-events` topic, then removes them from the
 * task's outbox. If publishing fails the events stay in the outbox for the relay; if removing
 * fails they are published again later and dropped as duplicates (messageId = event id), and
 * consumers are idempotent on event id anyway. Returns how many events were published.
 */
export async function publishOutbox(task: StoredTask, deps: OutboxDeps, traceparent?: string): Promise<number> {
  const events = task.document.pendingEvents;
  if (events.length === 0) return 0;
  await deps.messaging.send(
    TOPICS.taskEvents.name,
    events.map((event) => eventMessage(event, traceparent)),
  );
  await deps.tasks.removePublishedEvents(
    task,
    events.map((event) => event.id),
  );
  return events.length;
}

/**
 * The publish that follows a write in a request. The write has already succeeded and its events
 * are safe in the outbox, so a publishing failure must not fail the request: it is logged and the
 * relay timer delivers the events later.
 */
export async function publishAfterWrite(
  task: StoredTask,
  deps: OutboxDeps,
  log: { warn(...args: unknown[]): void },
  traceparent?: string,
): Promise<void> {
  try {
    await publishOutbox(task, deps, traceparent);
  } catch (error) {
    log.warn(
      `Publishing events of task ${task.document.id} failed; the outbox relay will retry.`,
      error instanceof Error ? error.message : error,
    );
  }
}
