import { describe, expect, it } from 'vitest';
import {
  DIGEST_MAX_TASKS,
  deliverability,
  emailsForBulkReassignment,
  emailsForOverdueDigest,
  emailsForTaskEvent,
  escapeNotifyMarkdown,
  formatDueDate,
  taskEventAudience,
  type DirectoryEntry,
} from '../../../shared/domain/notification-rules.js';
import type { TaskEvent, TaskEventType, TaskSnapshot } from '../../../shared/schemas/event.js';
import type { NotificationKind } from '../../../shared/schemas/notification.js';
import type { OperationDocument } from '../../../shared/schemas/operation.js';

const MANAGER = 'manager-1';
const ALICE = 'alice';
const BOB = 'bob';
const links = { taskLinkBaseUrl: 'https://caseload.example/tasks' };

function snapshot(overrides: Partial<TaskSnapshot> = {}): TaskSnapshot {
  return {
    id: '11111111-1111-4111-8111-111111111111',
    caseId: '1234567812345678',
    jurisdiction: 'IA',
    locationId: '765324',
    title: 'Review appeal bundle',
    description: 'Sensitive case details that must never be emailed',
    status: 'pending',
    priority: 'medium',
    dueDate: '2030-02-01T09:00:00.000Z',
    assignee: null,
    createdBy: MANAGER,
    createdAt: '2030-01-01T09:00:00.000Z',
    updatedAt: '2030-01-01T09:00:00.000Z',
    completedAt: null,
    cancelledAt: null,
    cancellationReason: null,
    deletedAt: null,
    overdue: false,
    overdueSince: null,
    version: 2,
    ...overrides,
  };
}

function event(type: TaskEventType, actor: string, before: Partial<TaskSnapshot> | null, after: Partial<TaskSnapshot>, extra: Partial<TaskEvent> = {}): TaskEvent {
  return {
    id: '22222222-2222-4222-8222-222222222222',
    schemaVersion: 1,
    type,
    taskId: '11111111-1111-4111-8111-111111111111',
    caseId: '1234567812345678',
    jurisdiction: 'IA',
    actor: { userId: actor, name: null },
    occurredAt: '2030-01-02T09:00:00.000Z',
    correlationId: 'test',
    sequence: 2,
    previousHash: null,
    hash: '0'.repeat(64),
    before: before ? snapshot(before) : null,
    after: snapshot(after),
    changes: [],
    ...extra,
  };
}

const entry = (id: string, overrides: Partial<DirectoryEntry> = {}): DirectoryEntry => ({
  id,
  email: `${id}@justice.example`,
  active: true,
  roles: [id === MANAGER ? 'manager' : 'caseworker'],
  ...overrides,
});

describe('who a task event concerns (the rules table)', () => {
  const cases: [string, TaskEvent, [NotificationKind, string][]][] = [
    ['a manager assigns an unassigned task to Alice', event('task.assigned', MANAGER, { assignee: null }, { assignee: ALICE }), [['taskAssigned', ALICE]]],
    ['Alice claims a task herself', event('task.claimed', ALICE, { assignee: null }, { assignee: ALICE, status: 'in_progress' }), []],
    ['a manager creates a task assigned to Alice', event('task.created', MANAGER, null, { assignee: ALICE }), [['taskAssigned', ALICE]]],
    ['Alice creates a task for herself', event('task.created', ALICE, null, { assignee: ALICE }), []],
    ['a manager creates an unassigned task', event('task.created', MANAGER, null, { assignee: null }), []],
    [
      'a manager moves Alice\'s task to Bob: both are told',
      event('task.assigned', MANAGER, { assignee: ALICE, status: 'in_progress' }, { assignee: BOB, status: 'in_progress' }),
      [
        ['taskAssigned', BOB],
        ['taskReassigned', ALICE],
      ],
    ],
    ['a manager unassigns Alice\'s task (back to the queue)', event('task.assigned', MANAGER, { assignee: ALICE }, { assignee: null }), [['taskReassigned', ALICE]]],
    ['Alice unclaims her own task', event('task.unclaimed', ALICE, { assignee: ALICE, status: 'in_progress' }, { assignee: null }), []],
    ['Alice hands her own task to Bob', event('task.assigned', ALICE, { assignee: ALICE }, { assignee: BOB }), [['taskAssigned', BOB]]],
    ['a manager cancels Alice\'s task', event('task.cancelled', MANAGER, { assignee: ALICE }, { assignee: ALICE, status: 'cancelled' }), [['taskCancelled', ALICE]]],
    ['Alice cancels her own task', event('task.cancelled', ALICE, { assignee: ALICE }, { assignee: ALICE, status: 'cancelled' }), []],
    ['a manager cancels an unassigned task', event('task.cancelled', MANAGER, { assignee: null }, { assignee: null, status: 'cancelled' }), []],
    ['a manager completes Alice\'s task', event('task.completed', MANAGER, { assignee: ALICE }, { assignee: ALICE, status: 'completed' }), []],
    ['a manager edits the title of Alice\'s task', event('task.updated', MANAGER, { assignee: ALICE }, { assignee: ALICE, title: 'New title' }), []],
    ['the system flags Alice\'s task overdue', event('task.overdue', 'system', { assignee: ALICE }, { assignee: ALICE, overdue: true }), []],
    [
      'a bulk reassignment moves Alice\'s task to Bob (summarised per operation instead)',
      event('task.assigned', MANAGER, { assignee: ALICE }, { assignee: BOB }, { operationId: '33333333-3333-4333-8333-333333333333' }),
      [],
    ],
    ['a manager deletes Alice\'s task', event('task.deleted', 'admin', { assignee: ALICE }, { assignee: ALICE, deletedAt: '2030-01-02T09:00:00.000Z' }), []],
  ];

  for (const [title, taskEvent, expected] of cases) {
    it(title, () => {
      expect(taskEventAudience(taskEvent).map((mention) => [mention.kind, mention.userId])).toEqual(expected);
    });
  }
});

describe('who gets an email at all (the directory)', () => {
  const cases: [string, DirectoryEntry | undefined, NotificationKind, string][] = [
    ['an active user with an email address', entry(ALICE), 'taskAssigned', 'alice@justice.example'],
    ['nobody in the directory', undefined, 'taskAssigned', 'not-in-directory'],
    ['an inactive user', entry(ALICE, { active: false }), 'taskAssigned', 'inactive'],
    ['a user without an email address', entry(ALICE, { email: '  ' }), 'taskAssigned', 'no-email'],
    ['a user who switched this kind off', entry(ALICE, { notificationPreferences: { taskAssigned: false } }), 'taskAssigned', 'opted-out'],
    ['a user who switched another kind off', entry(ALICE, { notificationPreferences: { taskCancelled: false } }), 'taskAssigned', 'alice@justice.example'],
  ];
  for (const [title, directoryEntry, kind, expected] of cases) {
    it(title, () => {
      const result = deliverability(directoryEntry, kind);
      expect('emailAddress' in result ? result.emailAddress : result.notDeliverable).toBe(expected);
    });
  }
});

describe('what a task email says', () => {
  it('the title (escaped), the due date and a link; never the description or the case', () => {
    const taskEvent = event('task.assigned', MANAGER, { assignee: null }, { assignee: ALICE, title: 'Check *urgent* [bundle](http://evil.example)\n# now' });
    const [email] = emailsForTaskEvent(taskEvent, new Map([[ALICE, entry(ALICE)]]), links);
    expect(email).toEqual({
      id: `taskAssigned:${taskEvent.id}:${ALICE}`,
      kind: 'taskAssigned',
      sourceId: taskEvent.id,
      recipientId: ALICE,
      emailAddress: 'alice@justice.example',
      personalisation: {
        task_title: 'Check \\*urgent\\* \\[bundle\\]\\(http\\://evil\\.example\\) \\# now',
        due_date: '1 February 2030 at 9am',
        task_link: 'https://caseload.example/tasks/11111111-1111-4111-8111-111111111111',
      },
    });
    expect(JSON.stringify(email)).not.toContain('Sensitive');
    expect(JSON.stringify(email)).not.toContain('1234567812345678');
  });

  it('leaves out people the directory rules out, and keeps the others', () => {
    const taskEvent = event('task.assigned', MANAGER, { assignee: ALICE }, { assignee: BOB });
    const emails = emailsForTaskEvent(taskEvent, new Map([[BOB, entry(BOB, { notificationPreferences: { taskAssigned: false } })], [ALICE, entry(ALICE)]]), links);
    expect(emails.map((email) => [email.kind, email.recipientId])).toEqual([['taskReassigned', ALICE]]);
  });

  it('the same event always yields the same ids (what makes a redelivery find the ledger entry)', () => {
    const taskEvent = event('task.assigned', MANAGER, { assignee: null }, { assignee: ALICE });
    const directory = new Map([[ALICE, entry(ALICE)]]);
    expect(emailsForTaskEvent(taskEvent, directory, links)).toEqual(emailsForTaskEvent(taskEvent, directory, links));
  });

  it('escapes every markdown character Notify acts on, and flattens line breaks', () => {
    expect(escapeNotifyMarkdown('  a\n\n^ inset\r\n* bullet 1. _x_ `code` ---  ')).toBe('a \\^ inset \\* bullet 1\\. \\_x\\_ \\`code\\` \\-\\-\\-');
    expect(escapeNotifyMarkdown('Plain title, with commas & quotes "ok"')).toBe('Plain title, with commas & quotes "ok"');
  });

  it('dates are UK time in GOV.UK style', () => {
    expect(formatDueDate('2030-07-01T12:30:00.000Z')).toBe('1 July 2030 at 1:30pm');
    expect(formatDueDate('2030-01-15T00:00:00.000Z')).toBe('15 January 2030 at 12am');
  });
});

describe('the daily overdue digest', () => {
  const job = { job: 'overdue-digest' as const, managerId: MANAGER, day: '2030-01-02', windowStart: '2030-01-01T07:00:00.000Z', windowEnd: '2030-01-02T07:00:00.000Z' };
  const tasks = (count: number) => Array.from({ length: count }, (_, index) => ({ id: `task-${index}`, title: `Task ${index}`, dueDate: '2030-01-01T09:00:00.000Z' }));

  it('one email per manager and day, listing the tasks', () => {
    const emails = emailsForOverdueDigest(job, entry(MANAGER), tasks(2), links);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({ id: `overdueDigest:2030-01-02:${MANAGER}`, kind: 'overdueDigest', recipientId: MANAGER });
    expect(emails[0]!.personalisation).toEqual({
      task_count: '2',
      tasks: ['Task 0, due 1 January 2030 at 9am: https://caseload.example/tasks/task-0', 'Task 1, due 1 January 2030 at 9am: https://caseload.example/tasks/task-1'],
      more_tasks: '',
      tasks_link: 'https://caseload.example/tasks',
    });
  });

  it(`lists at most ${DIGEST_MAX_TASKS} and counts the rest`, () => {
    const [email] = emailsForOverdueDigest(job, entry(MANAGER), tasks(DIGEST_MAX_TASKS + 7), links);
    expect(email!.personalisation['tasks']).toHaveLength(DIGEST_MAX_TASKS);
    expect(email!.personalisation).toMatchObject({ task_count: String(DIGEST_MAX_TASKS + 7), more_tasks: 'and 7 more' });
  });

  it('nothing when nothing became overdue, for someone who is no longer a manager, or who opted out', () => {
    expect(emailsForOverdueDigest(job, entry(MANAGER), [], links)).toEqual([]);
    expect(emailsForOverdueDigest(job, entry(MANAGER, { roles: ['caseworker'] }), tasks(1), links)).toEqual([]);
    expect(emailsForOverdueDigest(job, entry(MANAGER, { notificationPreferences: { overdueDigest: false } }), tasks(1), links)).toEqual([]);
    expect(emailsForOverdueDigest(job, undefined, tasks(1), links)).toEqual([]);
  });
});

describe('the bulk reassignment summary', () => {
  const operation = (overrides: Partial<OperationDocument> = {}) =>
    ({
      id: '44444444-4444-4444-8444-444444444444',
      type: 'reassign',
      status: 'succeeded',
      requestedBy: { userId: MANAGER, name: 'Manager' },
      parameters: { fromUserId: ALICE, toUserId: BOB, jurisdiction: null },
      progress: { totalItems: 50, processedItems: 50, succeeded: 50, failed: 0, skipped: 0, totalChunks: 1, completedChunks: 1 },
      ...overrides,
    }) as OperationDocument;
  const directory = new Map([
    [ALICE, entry(ALICE)],
    [BOB, entry(BOB)],
  ]);

  it('one summary to each person whose tasks moved, with the count', () => {
    const emails = emailsForBulkReassignment(operation(), directory, links);
    expect(emails.map((email) => [email.id, email.personalisation['task_count'], email.personalisation['change']])).toEqual([
      [`bulkReassignment:44444444-4444-4444-8444-444444444444:${BOB}`, '50', 'assigned to you'],
      [`bulkReassignment:44444444-4444-4444-8444-444444444444:${ALICE}`, '50', 'moved from you to another person'],
    ]);
  });

  it('back to the queue: only the previous holder; the requester is never told about their own operation', () => {
    expect(emailsForBulkReassignment(operation({ parameters: { fromUserId: ALICE, toUserId: null, jurisdiction: null } }), directory, links).map((email) => email.recipientId)).toEqual([ALICE]);
    expect(emailsForBulkReassignment(operation({ requestedBy: { userId: ALICE, name: null } }), directory, links).map((email) => email.recipientId)).toEqual([BOB]);
  });

  it('nothing while running, when nothing moved, or for an import', () => {
    expect(emailsForBulkReassignment(operation({ status: 'running' }), directory, links)).toEqual([]);
    expect(emailsForBulkReassignment(operation({ progress: { ...operation().progress, succeeded: 0 } }), directory, links)).toEqual([]);
    expect(emailsForBulkReassignment(operation({ type: 'case-import', parameters: { rows: 3 } }), directory, links)).toEqual([]);
  });
});
