import { TOPICS } from '../config/entities.js';
import type { StoredTask } from '../domain/task-document.js';
import type { Messaging } from '../messaging/messaging.js';
import type { TaskRepository } from '../store/task-repository.js';
import type { TaskEvent } from '../schemas/event.js';
import { recordMetric, type MetricName } from '../telemetry/metrics.js';
import { eventMessage } from './event-message.js';
import { type PublishBudget, withinBudget } from './publish-budget.js';

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
export async function publishOutbox(task: StoredTask, deps: OutboxDeps, traceparent?: string, abortSignal?: AbortSignal): Promise<number> {
  const events = task.document.pendingEvents;
  if (events.length === 0) return 0;
  await deps.messaging.send(
    TOPICS.taskEvents.name,
    events.map((event) => eventMessage(event, traceparent)),
    { abortSignal },
  );
  await deps.tasks.removePublishedEvents(
    task,
    events.map((event) => event.id),
  );
  return events.length;
}

/** What the publish after a write needs from its request (or consumer invocation). */
export interface PublishContext {
  log: { warn(...args: unknown[]): void };
  traceparent?: string;
  publishBudget: PublishBudget;
}

/**
 * The publish that follows a write in a request. The write has already succeeded and its events
 * are safe in the outbox, so a publishing failure must not fail the request: it is logged and the
 * relay timer delivers the events later. Nor may it hold the request: the publish gets the
 * request's budget (PUBLISH_BUDGET_MS), after which the send is aborted and the request answers;
 * once the budget is spent, later publishes of the same request leave their events to the relay
 * at once (see PublishBudget). The SDK's own retries never run on the caller's time.
 */
export async function publishAfterWrite(task: StoredTask, deps: OutboxDeps, context: PublishContext): Promise<void> {
  if (task.document.pendingEvents.length === 0) return;
  countTaskOutcome(task.document.pendingEvents.at(-1)!);
  const budget = context.publishBudget;
  if (budget.spent) return;
  try {
    await withinBudget(budget.perPublishMs, (signal) => publishOutbox(task, deps, context.traceparent, signal));
  } catch (error) {
    budget.spent = true;
    context.log.warn(
      `Publishing events of task ${task.document.id} failed; the outbox relay will retry.`,
      error instanceof Error ? error.message : error,
    );
  }
}

const OUTCOME_METRICS: Partial<Record<TaskEvent['type'], MetricName>> = {
  'task.created': 'tasks.created',
  'task.completed': 'tasks.completed',
  'task.cancelled': 'tasks.cancelled',
};

/**
 * Tasks created, completed and cancelled, counted where each write is known to have happened: every
 * write of a request (or a bulk operation's chunk) is followed by this publish, and the event it
 * recorded is the newest in the outbox.
 */
function countTaskOutcome(event: TaskEvent): void {
  const metric = OUTCOME_METRICS[event.type];
  if (metric) recordMetric(metric, 1, { jurisdiction: event.jurisdiction });
}
