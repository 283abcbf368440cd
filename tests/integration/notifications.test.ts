/**
 * Emails through GOV.UK Notify, end to end: the local host runs the deployment package with its
 * real triggers, the app's real Notify client (notifications-node-client) signs its requests for
 * the local Notify-compatible API (dev/notify), which records every email it accepts
 * (GET /admin/notifications) and answers 429, 400, 403 or 500 when told to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS } from '../../shared/config/entities.js';
import { DEV_NOTIFY_TEMPLATES } from '../../dev/notify/templates.js';
import { createTask, inDays, taskBody } from './fixtures.js';
import { startOperation, waitForOperation } from './operations-fixtures.js';
import { startLocalHost, type LocalHost } from './local-host.js';

let host: LocalHost;

beforeAll(async () => {
  host = await startLocalHost();
  // The demo data's creation events (and their emails) are processed before any test counts emails.
  await host.brokerIdle(90_000);
});
afterAll(async () => host?.dispose());

interface Email {
  id: string;
  emailAddress: string;
  templateId: string;
  personalisation: Record<string, any>;
  reference: string | null;
  createdAt: string;
}

const NOTIFICATIONS_PATH = `${TOPICS.taskEvents.name}/subscriptions/${TOPICS.taskEvents.subscriptions.notifications}`;

async function emailsTo(user: { email: string }): Promise<Email[]> {
  const response = await fetch(`${host.baseUrl}/admin/notifications?emailAddress=${encodeURIComponent(user.email)}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { notifications: Email[] }).notifications;
}

async function setFaults(faults: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${host.baseUrl}/admin/notifications/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
  expect(response.status, await response.clone().text()).toBe(200);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((wait) => setTimeout(wait, 150));
  }
}

/** After processing, nothing is left in the subscription: nothing active, locked, scheduled or dead-lettered. */
async function expectNotificationsSubscriptionEmpty(): Promise<void> {
  await host.brokerIdle();
  const stats = await (await host.broker(`/${NOTIFICATIONS_PATH}/stats`)).json();
  expect(stats).toEqual({ active: 0, scheduled: 0, locked: 0, deadLettered: 0 });
}

let userSequence = 0;
/** A new directory entry (as admin) with its own address, so each test counts only its own emails. */
async function newUser(role: 'caseworker' | 'manager', jurisdictions: string[] = ['IA']) {
  userSequence += 1;
  const id = `nt-${role}-${process.pid}-${Date.now()}-${userSequence}`;
  const email = `${id}@justice.example`;
  const response = await host.call('/v1/users', { method: 'POST', as: 'admin', json: { id, name: `Notified ${role} ${userSequence}`, email, roles: [role], jurisdictions } });
  expect(response.status, await response.clone().text()).toBe(201);
  return { id, email, as: { role, userId: id } as const };
}

async function assign(taskId: string, userId: string, as: Parameters<LocalHost['call']>[1]['as'] = 'manager') {
  const response = await host.call(`/v1/tasks/${taskId}/assign`, { method: 'POST', as, json: { userId } });
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()).data;
}

describe('who is told', () => {
  it('a task assigned by a manager: exactly one email, to the assignee, with the title, due date and link only', async () => {
    const casey = await newUser('caseworker');
    const task = await createTask(host, { title: 'Check *bundle* for [hearing]', dueDate: '2030-02-01T09:00:00.000Z' });
    await assign(task.id, casey.id);
    await expectNotificationsSubscriptionEmpty();

    const emails = await emailsTo(casey);
    expect(emails).toHaveLength(1);
    expect(emails[0]).toMatchObject({
      templateId: DEV_NOTIFY_TEMPLATES.taskAssigned.id,
      reference: expect.stringMatching(new RegExp(`^taskAssigned:[0-9a-f-]{36}:${casey.id}$`)),
      personalisation: {
        task_title: 'Check \\*bundle\\* for \\[hearing\\]',
        due_date: '1 February 2030 at 9am',
        task_link: `${host.baseUrl}/api/v1/tasks/${task.id}`,
      },
    });
    expect(Object.keys(emails[0]!.personalisation).sort()).toEqual(['due_date', 'task_link', 'task_title']);
  });

  it('claiming a task oneself: no email', async () => {
    const casey = await newUser('caseworker');
    const task = await createTask(host, { assignee: null });
    const response = await host.call(`/v1/tasks/${task.id}/claim`, { method: 'POST', as: casey.as });
    expect(response.status).toBe(200);
    await expectNotificationsSubscriptionEmpty();
    expect(await emailsTo(casey)).toEqual([]);
  });

  it('reassigned away and cancelled by someone else: the holder is told; the new holder too', async () => {
    const [alex, bea] = [await newUser('caseworker'), await newUser('caseworker')];
    const task = await createTask(host, { assignee: alex.id });
    await assign(task.id, bea.id);
    const cancel = await host.call(`/v1/tasks/${task.id}/cancel`, { method: 'POST', as: 'manager', json: { reason: 'Duplicate' } });
    expect(cancel.status).toBe(200);
    await expectNotificationsSubscriptionEmpty();
    expect((await emailsTo(alex)).map((email) => email.templateId)).toEqual([DEV_NOTIFY_TEMPLATES.taskAssigned.id, DEV_NOTIFY_TEMPLATES.taskReassigned.id]);
    expect((await emailsTo(bea)).map((email) => email.templateId)).toEqual([DEV_NOTIFY_TEMPLATES.taskAssigned.id, DEV_NOTIFY_TEMPLATES.taskCancelled.id]);
  });

  it('a user who opted out of a kind (PATCH /users/me) gets none of it, and still gets the others; an inactive user gets nothing', async () => {
    const casey = await newUser('caseworker');
    const patched = await host.call('/v1/users/me', { method: 'PATCH', as: casey.as, json: { notificationPreferences: { taskAssigned: false } } });
    const body = await patched.json();
    expect(patched.status, JSON.stringify(body)).toBe(200);
    expect(body.data.notificationPreferences).toEqual({ taskAssigned: false, taskReassigned: true, taskCancelled: true, overdueDigest: true, bulkReassignment: true });
    const cancel = (taskId: string) => host.call(`/v1/tasks/${taskId}/cancel`, { method: 'POST', as: 'manager', json: { reason: 'No longer needed' } });

    const first = await createTask(host, { assignee: casey.id });
    await cancel(first.id);
    await expectNotificationsSubscriptionEmpty();
    expect((await emailsTo(casey)).map((email) => email.templateId)).toEqual([DEV_NOTIFY_TEMPLATES.taskCancelled.id]);

    // An admin switches it back on for them (PATCH /users/{id} merges the switches).
    const entry = await host.call(`/v1/users/${casey.id}`, { as: 'admin' });
    const reenabled = await host.call(`/v1/users/${casey.id}`, { method: 'PATCH', as: 'admin', headers: { 'if-match': entry.headers.get('etag')! }, json: { notificationPreferences: { taskAssigned: true } } });
    expect((await reenabled.json()).data.notificationPreferences).toMatchObject({ taskAssigned: true, taskCancelled: true });
    const second = await createTask(host, { assignee: casey.id });
    await expectNotificationsSubscriptionEmpty();
    expect(await emailsTo(casey)).toHaveLength(2);

    // Deactivated, they get nothing at all.
    expect((await host.call(`/v1/users/${casey.id}/deactivate`, { method: 'POST', as: 'admin' })).status).toBe(200);
    await cancel(second.id);
    await expectNotificationsSubscriptionEmpty();
    expect((await emailsTo(casey)).map((email) => email.templateId)).toEqual([DEV_NOTIFY_TEMPLATES.taskCancelled.id, DEV_NOTIFY_TEMPLATES.taskAssigned.id]);
  });
});

describe('exactly once', () => {
  it('a redelivered or replayed event sends nothing more', async () => {
    const casey = await newUser('caseworker');
    const task = await createTask(host, { assignee: null });
    await assign(task.id, casey.id);
    await expectNotificationsSubscriptionEmpty();
    const [email] = await emailsTo(casey);
    const eventId = email!.reference!.split(':')[1]!;
    const history = await (await host.call(`/v1/tasks/${task.id}/history`, { as: 'manager' })).json();
    const { recordedAt, ...event } = history.data.find((record: { id: string }) => record.id === eventId);
    expect(recordedAt).toBeDefined();

    // The same event published again outside the duplicate detection window, and as an operator's replay.
    const send = (messageId: string, applicationProperties: Record<string, string> = {}) =>
      host.broker(`/${TOPICS.taskEvents.name}/messages`, { method: 'POST', json: { messages: [{ messageId, body: event, subject: event.type, applicationProperties }] } });
    expect((await send(`${eventId}:republished`)).status).toBe(202);
    expect((await send(`${eventId}:replay`, { replayOf: eventId })).status).toBe(202);
    await expectNotificationsSubscriptionEmpty();
    expect(await emailsTo(casey)).toHaveLength(1);
  });

  it('a lost answer (Notify took it, then 500): the scheduled retry finds it by reference and sends nothing twice', async () => {
    const casey = await newUser('caseworker');
    // Retry-After makes the app retry in a second rather than the 30 s its backoff starts at.
    await setFaults({ status: 500, count: 1, afterAccepting: true, retryAfterSeconds: 1 });
    await createTask(host, { assignee: casey.id });
    await until('the retry to have run', async () => {
      const stats = await (await host.broker(`/${NOTIFICATIONS_PATH}/stats`)).json();
      return host.output().includes('foundAtNotify=true') && stats.scheduled === 0 ? true : undefined;
    });
    await expectNotificationsSubscriptionEmpty();
    expect(await emailsTo(casey)).toHaveLength(1);
  });
});

describe('Notify failures', () => {
  it('429: delivered after the scheduled retry, once', async () => {
    const casey = await newUser('caseworker');
    await setFaults({ status: 429, count: 1, retryAfterSeconds: 1 });
    await createTask(host, { assignee: casey.id });
    await until('the email after the retry', async () => ((await emailsTo(casey)).length > 0 ? true : undefined));
    await expectNotificationsSubscriptionEmpty();
    expect(await emailsTo(casey)).toHaveLength(1);
    expect(host.output()).toContain('metric notify.retryScheduled=');
  });

  it('400: dead-lettered with the reason, listed, replayed once', async () => {
    const casey = await newUser('caseworker');
    await setFaults({ status: 400, count: 1 });
    const task = await createTask(host, { assignee: casey.id });
    const deadLetters = await until('the dead letter', async () => {
      const json = await (await host.call('/v1/admin/dead-letters/notifications', { as: 'admin' })).json();
      return json.data.length > 0 ? json.data : undefined;
    });
    expect(deadLetters).toHaveLength(1);
    expect(deadLetters[0]).toMatchObject({
      deadLetterReason: 'MaxDeliveryCountExceeded',
      body: { taskId: task.id },
      applicationProperties: { notifyRejected: expect.stringContaining('Notify answered 400 BadRequestError') },
    });
    expect(await emailsTo(casey)).toEqual([]);

    const replay = await (await host.call('/v1/admin/dead-letters/notifications/replay', { method: 'POST', as: 'admin' })).json();
    expect(replay.data.replayed).toBe(1);
    await expectNotificationsSubscriptionEmpty();
    expect(await emailsTo(casey)).toHaveLength(1);
    // Replaying again finds nothing to replay and sends nothing.
    expect((await (await host.call('/v1/admin/dead-letters/notifications/replay', { method: 'POST', as: 'admin' })).json()).data.replayed).toBe(0);
    await expectNotificationsSubscriptionEmpty();
    expect(await emailsTo(casey)).toHaveLength(1);
  });

  it('a rotated key is read again on the 403, without a restart; a refused key is reported loudly (notify.authFailed) and retried', async () => {
    // Rotation: the key the app cached is refused from now on; the 403 makes it read the new one and send.
    expect((await fetch(`${host.baseUrl}/admin/notifications/api-key/rotate`, { method: 'POST' })).status).toBe(200);
    const bea = await newUser('caseworker');
    await createTask(host, { assignee: bea.id });
    await expectNotificationsSubscriptionEmpty();
    expect(await emailsTo(bea)).toHaveLength(1);
    expect(host.output()).not.toContain('metric notify.authFailed=');

    // Refused twice more (the key in the store is the same): each delivery fails loudly; the next is sent.
    const casey = await newUser('caseworker');
    await setFaults({ status: 403, count: 2 });
    await createTask(host, { assignee: casey.id });
    await until('the email after the refused key', async () => ((await emailsTo(casey)).length > 0 ? true : undefined));
    await expectNotificationsSubscriptionEmpty();
    expect(await emailsTo(casey)).toHaveLength(1);
    expect(host.output()).toContain('metric notify.authFailed=');
  });
});

describe('one email per recipient per operation or day', () => {
  it('a bulk reassignment of 50 tasks: one summary to each side, no email per task', async () => {
    const [from, to] = [await newUser('caseworker'), await newUser('caseworker')];
    // Created by the caseworker for themself: nobody else gave them work, so no email either.
    const batch = await host.call('/v1/tasks/batch', {
      method: 'POST',
      as: from.as,
      json: { items: Array.from({ length: 50 }, (_, index) => ({ op: 'create', task: taskBody({ title: `Bulk ${index}` }) })) },
    });
    expect((await batch.json()).data.succeeded).toBe(50);
    const operation = await startOperation(host, '/v1/operations/reassign', 'manager', { json: { fromUserId: from.id, toUserId: to.id } });
    expect(await waitForOperation(host, operation.id)).toMatchObject({ status: 'succeeded', progress: { succeeded: 50 } });
    await expectNotificationsSubscriptionEmpty();

    for (const [user, change] of [
      [to, 'assigned to you'],
      [from, 'moved from you to another person'],
    ] as const) {
      const emails = await emailsTo(user);
      expect(emails, user.id).toHaveLength(1);
      expect(emails[0]).toMatchObject({
        templateId: DEV_NOTIFY_TEMPLATES.bulkReassignment.id,
        reference: `bulkReassignment:${operation.id}:${user.id}`,
        personalisation: { task_count: '50', change },
      });
    }
  }, 90_000);

  it('the daily digest: one per manager, with exactly the newly overdue open tasks of their scope; a second run sends none', async () => {
    const soon = new Date(Date.now() + 1500).toISOString();
    const north = await createTask(host, { title: 'Overdue in IA', jurisdiction: 'IA', dueDate: soon });
    const south = await createTask(host, { title: 'Overdue in CIVIL', jurisdiction: 'CIVIL', locationId: '231596', dueDate: soon }, 'admin');
    const done = await createTask(host, { title: 'Done before it was due', dueDate: soon });
    await host.call(`/v1/tasks/${done.id}/complete`, { method: 'POST', as: 'manager' });
    await new Promise((wait) => setTimeout(wait, Math.max(0, Date.parse(soon) - Date.now() + 100)));
    await host.runFunction('overdue-scan');
    await host.brokerIdle();
    await host.runFunction('notifications-digest');
    await expectNotificationsSubscriptionEmpty();

    const managers = { north: { id: 'b0000000-0000-4000-8000-000000000001', email: 'morgan.manager@justice.example' }, south: { id: 'b0000000-0000-4000-8000-000000000002', email: 'mina.manager@justice.example' } };
    for (const [name, manager] of Object.entries(managers)) {
      const emails = (await emailsTo(manager)).filter((email) => email.templateId === DEV_NOTIFY_TEMPLATES.overdueDigest.id);
      expect(emails, name).toHaveLength(1);
      // Every open overdue task this manager sees was flagged since the host started: all of them are new.
      const expected: string[] = [];
      for (let cursor: string | null = null, first = true; first || cursor; first = false) {
        const page: any = await (await host.call(`/v1/tasks?overdue=true&status=pending&status=in_progress&limit=100${cursor ? `&cursor=${cursor}` : ''}`, { as: { role: 'manager', userId: manager.id } })).json();
        expected.push(...page.data.map((task: { id: string }) => task.id));
        cursor = page.pagination.nextCursor;
      }
      expect(expected, name).toContain(name === 'north' ? north.id : south.id);
      expect(expected, name).not.toContain(name === 'north' ? south.id : north.id);
      expect(expected, name).not.toContain(done.id);
      const listed = (emails[0]!.personalisation['tasks'] as string[]).map((line) => line.slice(line.lastIndexOf('/') + 1));
      expect(Number(emails[0]!.personalisation['task_count']), name).toBe(expected.length);
      if (expected.length <= 50) expect(listed.sort(), name).toEqual(expected.sort());
      else for (const id of listed) expect(expected, `${name} digest lists ${id}`).toContain(id);
    }

    await host.runFunction('notifications-digest');
    await expectNotificationsSubscriptionEmpty();
    for (const manager of Object.values(managers)) {
      expect((await emailsTo(manager)).filter((email) => email.templateId === DEV_NOTIFY_TEMPLATES.overdueDigest.id)).toHaveLength(1);
    }
  }, 60_000);
});
