import type { NotificationKind } from '../../shared/schemas/notification.js';

/**
 * The email templates of the local Notify service: what a Notify service for Caseload would
 * hold, one per kind, with the placeholders the app fills in. `npm start` points the
 * NOTIFY_TEMPLATE_* settings at these ids, and the local API checks personalisation against
 * them as Notify does (a missing placeholder is a 400). docs/notifications.md has the same text
 * to paste into the real service.
 */
export interface DevTemplate {
  id: string;
  name: string;
  subject: string;
  body: string;
}

export const DEV_NOTIFY_TEMPLATES: Readonly<Record<NotificationKind, DevTemplate>> = {
  taskAssigned: {
    id: '5f6a3d0e-0000-4000-8000-000000000001',
    name: 'Caseload: task assigned to you',
    subject: 'A task has been assigned to you',
    body: 'A task has been assigned to you in Caseload.\n\n((task_title))\n\nDue: ((due_date))\n\nOpen the task: ((task_link))',
  },
  taskReassigned: {
    id: '5f6a3d0e-0000-4000-8000-000000000002',
    name: 'Caseload: task moved away from you',
    subject: 'A task is no longer assigned to you',
    body: 'A task that was assigned to you has been given to someone else or returned to the queue.\n\n((task_title))\n\nDue: ((due_date))\n\nView the task: ((task_link))',
  },
  taskCancelled: {
    id: '5f6a3d0e-0000-4000-8000-000000000003',
    name: 'Caseload: task cancelled',
    subject: 'A task assigned to you has been cancelled',
    body: 'A task assigned to you has been cancelled.\n\n((task_title))\n\nIt was due: ((due_date))\n\nView the task: ((task_link))',
  },
  overdueDigest: {
    id: '5f6a3d0e-0000-4000-8000-000000000004',
    name: 'Caseload: daily overdue digest',
    subject: '((task_count)) tasks in your area became overdue',
    body: '((task_count)) tasks in your area became overdue since your last digest:\n\n((tasks))\n\n((more_tasks))\n\nSee all tasks: ((tasks_link))',
  },
  bulkReassignment: {
    id: '5f6a3d0e-0000-4000-8000-000000000005',
    name: 'Caseload: bulk reassignment summary',
    subject: 'Tasks have been reassigned',
    body: '((task_count)) ((tasks_word)) ((change)) in one reassignment.\n\nSee your tasks: ((tasks_link))',
  },
};

/** The placeholders of a template text, as Notify reads them: ((name)) or ((name??conditional text)). */
export function placeholders(text: string): string[] {
  return [...new Set([...text.matchAll(/\(\(([^()?]+)(\?\?[^()]*)?\)\)/g)].map((match) => match[1]!.trim()))];
}
