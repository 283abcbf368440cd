import { createHash } from 'node:crypto';
import { ADDRESSED_TO_PROPERTY, TOPICS } from '../config/entities.js';
import { eventHash } from '../domain/event-hash.js';
import {
  emailsForBulkReassignment,
  emailsForOverdueDigest,
  emailsForTaskEvent,
  taskEventAudience,
  type DirectoryEntry,
  type LinkSettings,
  type PlannedEmail,
} from '../domain/notification-rules.js';
import { PoisonMessageError } from '../errors/poison-message-error.js';
import type { OutgoingMessage } from '../messaging/messaging.js';
import { NotifyAuthError } from '../notifications/notify-port.js';
import type { TaskEvent } from '../schemas/event.js';
import type { BulkReassignmentJob, NotificationsMessage, OverdueDigestJob } from '../schemas/notification.js';
import { TERMINAL_OPERATION_STATUSES } from '../schemas/operation.js';
import type { Services } from '../services.js';
import { newlyOverdueTasks } from '../store/overdue-digest-query.js';
import { trackMetric, type MetricLog } from '../telemetry/metrics.js';
import { sendNotificationOnce, type SendOutcome } from './send-notification-once.js';

/**
 * One message of the `notifications` subscription → the emails it calls for, each sent once
 * (docs/notifications.md). The message is a task event (the rules decide who is told), or a job
 * this consumer handed itself: a manager's daily digest, or the summary of a finished bulk
 * reassignment.
 *
 * What becomes of the message, by what Notify answered for its emails:
 * - all sent (or sent before): completed;
 * - some must wait (429, 5xx, no answer): the message is re-sent to the subscription, scheduled
 *   for later (scheduledEnqueueTimeUtc), and this delivery completes, so Notify is not hammered by
 *   immediate redeliveries and nothing is dead-lettered while Notify is busy;
 * - Notify rejected one (400) or kept refusing it for MAX_ATTEMPTS tries: a copy carrying the
 *   reason (application property `notifyRejected`) is sent to the subscription, which fails at
 *   once on each delivery and lands in the dead-letter queue, listed with the reason by
 *   GET /v1/admin/dead-letters/notifications; a replay tries the rejected email once more;
 * - the key is refused (403, also after reading it again): thrown, with metric notify.authFailed
 *   (and its alert); Service Bus retries, then dead-letters; replay after fixing the key.
 */

/** The subscription this consumer reads, and addresses its own messages to. */
const SUBSCRIPTION = TOPICS.taskEvents.subscriptions.notifications;

/** On the copy of a message sent to the dead-letter queue: why Notify would not take it. */
export const REJECTED_PROPERTY = 'notifyRejected';
/** Set by the admin replay of a dead letter (messaging adapters' replayDeadLetters). */
export const REPLAY_PROPERTY = 'replayOf';

export interface NotificationsDelivery {
  messageId: string;
  correlationId: string;
  applicationProperties: Readonly<Record<string, unknown>>;
}

export interface NotificationsResult {
  /** Notifications are off (no templates configured): the message was taken and nothing sent. */
  off: boolean;
  planned: number;
  sent: number;
  duplicates: number;
  /** When a retry was scheduled: its message id and delay. */
  retry: { messageId: string; delayMs: number } | null;
  /** Reasons of emails that went to the dead-letter queue. */
  rejected: string[];
}

export type NotificationsDeps = Pick<Services, 'settings' | 'users' | 'operations' | 'database' | 'notifications' | 'notify' | 'messaging' | 'now'>;

/** Tasks one digest query reads at most (the email lists the first DIGEST_MAX_TASKS and counts the rest). */
const DIGEST_QUERY_MAX = 1000;

export async function handleNotificationsMessage(
  deps: NotificationsDeps,
  message: NotificationsMessage,
  delivery: NotificationsDelivery,
  log: MetricLog,
): Promise<NotificationsResult> {
  const replay = delivery.applicationProperties[REPLAY_PROPERTY] !== undefined;
  const rejection = delivery.applicationProperties[REJECTED_PROPERTY];
  if (rejection !== undefined && !replay) throw new PoisonMessageError(`Notify would not take it: ${String(rejection)}`);

  // Off until configured (the settings are all set or all unset): the subscription still drains.
  const { templates, taskLinkBaseUrl } = deps.settings.notify;
  if (!templates || !taskLinkBaseUrl) return { off: true, planned: 0, sent: 0, duplicates: 0, retry: null, rejected: [] };
  const planned = await plan(deps, message, { taskLinkBaseUrl });
  const result: NotificationsResult = { off: false, planned: planned.length, sent: 0, duplicates: 0, retry: null, rejected: [] };
  let retryAfterMs = 0;

  for (const email of planned) {
    let outcome: SendOutcome;
    try {
      outcome = await sendNotificationOnce(deps, {
        email,
        templateId: templates[email.kind],
        replay,
        ...('job' in message && message.job === 'overdue-digest' ? { windowEnd: message.windowEnd } : {}),
      });
    } catch (error) {
      if (error instanceof NotifyAuthError) trackMetric(log, 'notify.authFailed', 1, { kind: email.kind });
      throw error;
    }
    switch (outcome.kind) {
      case 'sent':
        result.sent += 1;
        trackMetric(log, 'notify.sent', 1, { kind: email.kind });
        break;
      case 'duplicate':
        result.duplicates += 1;
        trackMetric(log, 'notify.duplicate', 1, { kind: email.kind, foundAtNotify: String(outcome.foundAtNotify) });
        break;
      case 'retry-later':
        retryAfterMs = Math.max(retryAfterMs, outcome.delayMs);
        trackMetric(log, 'notify.retryScheduled', 1, { kind: email.kind });
        break;
      case 'rejected':
        result.rejected.push(`${email.id}: ${outcome.reason}`);
        trackMetric(log, 'notify.rejected', 1, { kind: email.kind });
        break;
    }
  }

  const base = baseIdOf(message);
  const hop = shortHash(delivery.messageId);
  const resend = (suffix: string, subject: string, properties: Record<string, string>, at?: Date): OutgoingMessage => ({
    messageId: `${base}:${suffix}:${hop}`,
    body: message,
    subject,
    correlationId: delivery.correlationId,
    applicationProperties: { [ADDRESSED_TO_PROPERTY]: SUBSCRIPTION, ...properties },
    ...(at ? { scheduledEnqueueTimeUtc: at } : {}),
  });
  const followUps: OutgoingMessage[] = [];
  if (result.rejected.length > 0) {
    followUps.push(resend('rejected', 'notification.rejected', { [REJECTED_PROPERTY]: result.rejected.join('; ').slice(0, 1000) }));
  }
  if (retryAfterMs > 0) {
    const retry = resend('retry', 'notification.retry', { notifyRetryOf: delivery.messageId }, new Date(deps.now().getTime() + retryAfterMs));
    result.retry = { messageId: retry.messageId, delayMs: retryAfterMs };
    followUps.push(retry);
  }
  // Sent before this delivery completes: if sending fails, the delivery fails and is retried.
  if (followUps.length > 0) await deps.messaging.send(TOPICS.taskEvents.name, followUps);
  return result;
}

/** The emails a message calls for. */
async function plan(deps: NotificationsDeps, message: NotificationsMessage, links: LinkSettings): Promise<PlannedEmail[]> {
  if ('job' in message) {
    return message.job === 'overdue-digest' ? planDigest(deps, message, links) : planBulkSummary(deps, message, links);
  }
  return planTaskEvent(deps, message, links);
}

async function planTaskEvent(deps: NotificationsDeps, event: TaskEvent, links: LinkSettings): Promise<PlannedEmail[]> {
  if (eventHash(event) !== event.hash) throw new PoisonMessageError(`event ${event.id} does not match its hash`);
  const mentions = taskEventAudience(event);
  if (mentions.length === 0) return [];
  return emailsForTaskEvent(event, await directory(deps, mentions.map((mention) => mention.userId)), links);
}

async function planDigest(deps: NotificationsDeps, job: OverdueDigestJob, links: LinkSettings): Promise<PlannedEmail[]> {
  const manager = (await deps.users.get(job.managerId))?.document;
  if (!manager?.active || !manager.roles.includes('manager')) return [];
  const scope = { kind: 'scoped' as const, jurisdictions: manager.jurisdictions, locations: manager.locations };
  const tasks = await newlyOverdueTasks(deps.database, scope, { from: job.windowStart, to: job.windowEnd }, DIGEST_QUERY_MAX);
  return emailsForOverdueDigest(job, manager, tasks, links);
}

async function planBulkSummary(deps: NotificationsDeps, job: BulkReassignmentJob, links: LinkSettings): Promise<PlannedEmail[]> {
  const operation = (await deps.operations.get(job.operationId))?.document;
  if (!operation) throw new PoisonMessageError(`operation ${job.operationId} does not exist`);
  if (!TERMINAL_OPERATION_STATUSES.includes(operation.status)) throw new Error(`operation ${job.operationId} is still ${operation.status}`);
  const parameters = operation.parameters;
  const userIds = 'fromUserId' in parameters ? [parameters.fromUserId, ...(parameters.toUserId ? [parameters.toUserId] : [])] : [];
  return emailsForBulkReassignment(operation, await directory(deps, userIds), links);
}

async function directory(deps: Pick<Services, 'users'>, userIds: readonly string[]): Promise<Map<string, DirectoryEntry>> {
  const entries = await Promise.all([...new Set(userIds)].map((id) => deps.users.get(id)));
  return new Map(entries.flatMap((entry) => (entry ? [[entry.document.id, entry.document] as const] : [])));
}

/** Message ids of the jobs (and so of their first messages): a resend within the duplicate detection window is dropped. */
export const overdueDigestMessageId = (job: Pick<OverdueDigestJob, 'day' | 'managerId'>): string =>
  // Service Bus message ids are at most 128 characters and user ids may be 128 themselves; room is left for a follow-up's suffix.
  job.managerId.length <= 64 ? `overdue-digest:${job.day}:${job.managerId}` : `overdue-digest:${job.day}:${shortHash(job.managerId)}`;
export const bulkReassignmentMessageId = (operationId: string): string => `bulk-reassignment:${operationId}`;

/** What follow-up message ids are built on: the event id, or the job's id. */
function baseIdOf(message: NotificationsMessage): string {
  if (!('job' in message)) return message.id;
  return message.job === 'overdue-digest' ? overdueDigestMessageId(message) : bulkReassignmentMessageId(message.operationId);
}

/** A follow-up's id names the delivery it came from: a redelivery makes the same one (dropped), the next hop a new one. */
const shortHash = (value: string): string => createHash('sha256').update(value).digest('hex').slice(0, 12);

