import type { TaskEvent, TaskSnapshot } from '../schemas/event.js';
import type { NotificationKind, OverdueDigestJob } from '../schemas/notification.js';
import type { OperationDocument } from '../schemas/operation.js';
import type { UserDocument } from './user-document.js';
import { notificationPreferencesOf } from './user-view.js';

/**
 * Who is told what, by email, in one place (docs/notifications.md). Pure: the use case
 * (shared/use-cases/send-notifications.ts) reads the directory and the tasks, these rules decide,
 * and the ledger makes each decision an email sent once.
 *
 * - A caseworker, when someone else gives them a task (assigns it, or creates it assigned to
 *   them); not when they claim it themselves.
 * - The holder of a task, when someone else gives it to another person or back to the queue, or
 *   cancels it.
 * - Nothing per task for changes made by a bulk operation (the event names the operation): each
 *   person the operation moved tasks to or from gets one summary when it completes.
 * - Managers: one daily digest of the tasks in their scope that became overdue since the last one.
 * - Nobody who is not in the directory, is inactive, has no email address, or switched the kind off.
 *
 * Emails carry no case details (GOV.UK guidance): a task's title, its due date and a link.
 */

/** What the rules need of a directory entry. */
export type DirectoryEntry = Pick<UserDocument, 'id' | 'email' | 'active' | 'roles' | 'notificationPreferences'>;

/** One email to send: to whom, which template (by kind), with which values. */
export interface PlannedEmail {
  /** `<kind>:<source>:<recipient>`: the ledger id and Notify `reference`, the same however often it is planned. */
  id: string;
  kind: NotificationKind;
  /** What caused it: an event id, an operation id, or a digest day. */
  sourceId: string;
  recipientId: string;
  emailAddress: string;
  /** Notify personalisation: every value already escaped for Notify's markdown (lists as arrays). */
  personalisation: Record<string, string | string[]>;
}

/** Where an email's links point: `<taskLinkBaseUrl>/<task id>`, and the base itself for lists. */
export interface LinkSettings {
  taskLinkBaseUrl: string;
}

/** Someone an event concerns, before the directory is consulted. */
export interface Mention {
  kind: NotificationKind;
  userId: string;
}

/** Why someone concerned gets nothing. */
export type NotDeliverable = 'not-in-directory' | 'inactive' | 'no-email' | 'opted-out';

/** The ledger id (and Notify reference) of one email. */
export const notificationId = (kind: NotificationKind, sourceId: string, recipientId: string): string => `${kind}:${sourceId}:${recipientId}`;

const OPEN_STATUSES: readonly string[] = ['pending', 'in_progress'];
const isOpen = (task: TaskSnapshot): boolean => OPEN_STATUSES.includes(task.status) && task.deletedAt === null;

/** Step one: who a task event concerns, and how. */
export function taskEventAudience(event: TaskEvent): Mention[] {
  const { before, after } = event;
  const actor = event.actor.userId;
  // Bulk changes are summarised once per operation and person, never one email per task.
  if (event.operationId || !after) return [];
  if (after.status === 'cancelled' && before?.status !== 'cancelled') {
    const holder = before?.assignee ?? after.assignee;
    return holder && holder !== actor ? [{ kind: 'taskCancelled', userId: holder }] : [];
  }
  const from = before?.assignee ?? null;
  const to = after.assignee;
  if (from === to || !isOpen(after)) return [];
  const mentions: Mention[] = [];
  if (to && to !== actor) mentions.push({ kind: 'taskAssigned', userId: to });
  if (from && from !== actor) mentions.push({ kind: 'taskReassigned', userId: from });
  return mentions;
}

/** Step two: whether a directory entry gets an email of this kind, and at which address. */
export function deliverability(entry: DirectoryEntry | undefined, kind: NotificationKind): { emailAddress: string } | { notDeliverable: NotDeliverable } {
  if (!entry) return { notDeliverable: 'not-in-directory' };
  if (!entry.active) return { notDeliverable: 'inactive' };
  const emailAddress = entry.email?.trim() ?? '';
  if (emailAddress === '') return { notDeliverable: 'no-email' };
  if (!notificationPreferencesOf(entry)[kind]) return { notDeliverable: 'opted-out' };
  return { emailAddress };
}

/** A task event and the directory entries of the people it names → the emails to send. */
export function emailsForTaskEvent(event: TaskEvent, directory: ReadonlyMap<string, DirectoryEntry>, links: LinkSettings): PlannedEmail[] {
  const task = event.after;
  if (!task) return [];
  return taskEventAudience(event).flatMap(({ kind, userId }) => {
    const target = deliverability(directory.get(userId), kind);
    if (!('emailAddress' in target)) return [];
    return [
      {
        id: notificationId(kind, event.id, userId),
        kind,
        sourceId: event.id,
        recipientId: userId,
        emailAddress: target.emailAddress,
        personalisation: taskPersonalisation(task, links),
      },
    ];
  });
}

/** What a single-task email shows: the title, the due date and a link, nothing about the case. */
export function taskPersonalisation(task: Pick<TaskSnapshot, 'id' | 'title' | 'dueDate'>, links: LinkSettings): Record<string, string> {
  return {
    task_title: escapeNotifyMarkdown(task.title),
    due_date: formatDueDate(task.dueDate),
    task_link: taskLink(task.id, links),
  };
}

/** A digest lists at most this many tasks, then says how many more there are. */
export const DIGEST_MAX_TASKS = 50;

/** A task in a manager's digest. */
export type DigestTask = Pick<TaskSnapshot, 'id' | 'title' | 'dueDate'>;

/** A digest job, the manager's entry and the newly overdue tasks of their scope → at most one email. */
export function emailsForOverdueDigest(job: OverdueDigestJob, manager: DirectoryEntry | undefined, tasks: readonly DigestTask[], links: LinkSettings): PlannedEmail[] {
  if (tasks.length === 0 || !manager?.roles.includes('manager')) return [];
  const target = deliverability(manager, 'overdueDigest');
  if (!('emailAddress' in target)) return [];
  const listed = tasks.slice(0, DIGEST_MAX_TASKS);
  const more = tasks.length - listed.length;
  return [
    {
      id: notificationId('overdueDigest', job.day, manager.id),
      kind: 'overdueDigest',
      sourceId: job.day,
      recipientId: manager.id,
      emailAddress: target.emailAddress,
      personalisation: {
        task_count: String(tasks.length),
        tasks: listed.map((task) => `${escapeNotifyMarkdown(task.title)}, due ${formatDueDate(task.dueDate)}: ${taskLink(task.id, links)}`),
        more_tasks: more > 0 ? `and ${more} more` : '',
        tasks_link: links.taskLinkBaseUrl,
      },
    },
  ];
}

/** A finished bulk reassignment and the directory → one summary to each person whose tasks it moved. */
export function emailsForBulkReassignment(
  operation: Pick<OperationDocument, 'id' | 'type' | 'status' | 'requestedBy' | 'parameters' | 'progress'>,
  directory: ReadonlyMap<string, DirectoryEntry>,
  links: LinkSettings,
): PlannedEmail[] {
  const { parameters } = operation;
  if (operation.type !== 'reassign' || !('fromUserId' in parameters) || operation.progress.succeeded === 0) return [];
  if (!['succeeded', 'completed_with_errors', 'failed'].includes(operation.status)) return [];
  const requester = operation.requestedBy.userId;
  const moved = operation.progress.succeeded;
  const mentions: { userId: string; change: string }[] = [];
  if (parameters.toUserId && parameters.toUserId !== requester) mentions.push({ userId: parameters.toUserId, change: 'assigned to you' });
  if (parameters.fromUserId !== requester) {
    mentions.push({ userId: parameters.fromUserId, change: parameters.toUserId ? 'moved from you to another person' : 'moved from you back to the unassigned queue' });
  }
  return mentions.flatMap(({ userId, change }) => {
    const target = deliverability(directory.get(userId), 'bulkReassignment');
    if (!('emailAddress' in target)) return [];
    return [
      {
        id: notificationId('bulkReassignment', operation.id, userId),
        kind: 'bulkReassignment' as const,
        sourceId: operation.id,
        recipientId: userId,
        emailAddress: target.emailAddress,
        personalisation: { task_count: String(moved), tasks_word: moved === 1 ? 'task was' : 'tasks were', change, tasks_link: links.taskLinkBaseUrl },
      },
    ];
  });
}

export const taskLink = (taskId: string, links: LinkSettings): string => `${links.taskLinkBaseUrl.replace(/\/+$/, '')}/${encodeURIComponent(taskId)}`;

/**
 * Text from users (a task title) made inert in Notify's markdown: line breaks become spaces (no
 * headings, lists or insets), and every ASCII punctuation character markdown could act on is
 * backslash-escaped (no emphasis, links, or bare URLs turned into links).
 */
export function escapeNotifyMarkdown(value: string): string {
  return value
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\\`*_{}[\]()#+\-.!|^>~<:=]/g, (char) => `\\${char}`);
}

const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
const HOUR_MINUTE = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Europe/London' });

/** GOV.UK style, UK time: "1 February 2030 at 9am", "1 February 2030 at 5:30pm", "at 12am" for midnight. */
export function formatDueDate(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return escapeNotifyMarkdown(iso);
  const parts = HOUR_MINUTE.formatToParts(at);
  const hour = Number(parts.find((part) => part.type === 'hour')?.value ?? 0);
  const minute = parts.find((part) => part.type === 'minute')?.value ?? '00';
  const time = `${hour % 12 === 0 ? 12 : hour % 12}${minute === '00' ? '' : `:${minute}`}${hour < 12 ? 'am' : 'pm'}`;
  return `${DATE.format(at)} at ${time}`;
}
