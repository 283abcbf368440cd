import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ADDRESSED_TO_PROPERTY, TOPICS } from '../../../shared/config/entities.js';
import type { Settings } from '../../../shared/config/settings.js';
import type { PlannedEmail } from '../../../shared/domain/notification-rules.js';
import { PoisonMessageError } from '../../../shared/errors/poison-message-error.js';
import { NotifyAuthError, NotifyError, type NotifyEmail, type NotifyPort } from '../../../shared/notifications/notify-port.js';
import type { TaskEvent } from '../../../shared/schemas/event.js';
import type { NotificationRecord } from '../../../shared/schemas/notification.js';
import type { NotificationRepository } from '../../../shared/store/notification-repository.js';
import { createTask } from '../../../shared/use-cases/create-task.js';
import { handleNotificationsMessage, REJECTED_PROPERTY, REPLAY_PROPERTY, type NotificationsDeps } from '../../../shared/use-cases/handle-notifications-message.js';
import { MAX_ATTEMPTS, retryDelayMs, SEND_LEASE_MS, sendNotificationOnce, type SendDeps } from '../../../shared/use-cases/send-notification-once.js';
import { defaultDemoUser } from '../../../dev/demo-users.js';
import { newTaskInput, principalFor, writeContext } from './fixtures.js';
import { startWorld, type UseCaseWorld } from './harness.js';

/**
 * The exactly-once use case against the real ledger (the embedded database) and a fake Notify:
 * every path of docs/notifications.md "Exactly once", including a crash between the send and the
 * mark, a lost answer, 429, 5xx, 400, 403 and two deliveries racing for one email.
 */

type Step = 'ok' | { status: number | undefined; afterAccepting?: boolean; retryAfterSeconds?: number } | 'auth';

class FakeNotify implements NotifyPort {
  readonly accepted: (NotifyEmail & { id: string })[] = [];
  sends = 0;
  lookups = 0;
  /** What the next sends do, in order; then 'ok'. */
  script: Step[] = [];
  /** While set, sends wait for it (two deliveries racing). */
  gate: Promise<void> | undefined;

  async sendEmail(email: NotifyEmail): Promise<{ id: string }> {
    this.sends += 1;
    const step = this.script.shift() ?? 'ok';
    if (this.gate) await this.gate;
    if (step === 'auth') throw new NotifyAuthError('Notify answered 403 AuthError: Invalid token');
    if (step !== 'ok' && !step.afterAccepting) throw new NotifyError(`Notify answered ${step.status}`, step.status, undefined, step.retryAfterSeconds);
    const id = `notify-${this.accepted.length + 1}`;
    this.accepted.push({ ...email, id });
    if (step !== 'ok') throw new NotifyError(`Notify answered ${step.status}`, step.status);
    return { id };
  }

  async findByReference(reference: string): Promise<{ id: string; status: string }[]> {
    this.lookups += 1;
    return this.accepted.filter((email) => email.reference === reference).map((email) => ({ id: email.id, status: 'delivered' }));
  }

  to(reference: string) {
    return this.accepted.filter((email) => email.reference === reference);
  }
}

let world: UseCaseWorld;
let notify: FakeNotify;
let deps: SendDeps & NotificationsDeps;
const noLog = { log: () => {} };
const caseworker = defaultDemoUser('caseworker');
const manager = principalFor('manager');

const TEMPLATES = {
  taskAssigned: '00000000-0000-4000-8000-0000000000a1',
  taskReassigned: '00000000-0000-4000-8000-0000000000a2',
  taskCancelled: '00000000-0000-4000-8000-0000000000a3',
  overdueDigest: '00000000-0000-4000-8000-0000000000a4',
  bulkReassignment: '00000000-0000-4000-8000-0000000000a5',
};

beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => world?.close());

beforeEach(() => {
  notify = new FakeNotify();
  const settings: Settings = { ...world.services.settings, notify: { ...world.services.settings.notify, templates: TEMPLATES, taskLinkBaseUrl: 'https://caseload.example/tasks' } };
  deps = { ...world.services, settings, notify };
});

let counter = 0;
function plannedEmail(): PlannedEmail {
  counter += 1;
  const sourceId = `event-${Date.now()}-${counter}`;
  return {
    id: `taskAssigned:${sourceId}:${caseworker.id}`,
    kind: 'taskAssigned',
    sourceId,
    recipientId: caseworker.id,
    emailAddress: 'casey@justice.example',
    personalisation: { task_title: 'Review', due_date: '1 February 2030 at 9am', task_link: 'https://caseload.example/tasks/1' },
  };
}
const request = (email: PlannedEmail, replay = false) => ({ email, templateId: TEMPLATES.taskAssigned, replay });
const record = async (id: string): Promise<NotificationRecord> => (await world.services.notifications.get(id))!.document;

describe('sendNotificationOnce', () => {
  it('records, sends with the ledger id as reference, marks sent; a redelivery sends nothing', async () => {
    const email = plannedEmail();
    expect(await sendNotificationOnce(deps, request(email))).toEqual({ kind: 'sent', notifyId: 'notify-1' });
    expect(notify.accepted).toEqual([expect.objectContaining({ reference: email.id, templateId: TEMPLATES.taskAssigned, emailAddress: 'casey@justice.example' })]);
    expect(await record(email.id)).toMatchObject({ status: 'sent', notifyId: 'notify-1', attempts: 1, leaseUntil: null });

    expect(await sendNotificationOnce(deps, request(email))).toEqual({ kind: 'duplicate', foundAtNotify: false });
    expect(await sendNotificationOnce(deps, request(email, true))).toEqual({ kind: 'duplicate', foundAtNotify: false });
    expect(notify.sends).toBe(1);
    expect(notify.lookups).toBe(0);
  });

  it('a crash between the send and the mark: the lease is respected, then Notify is asked for the reference and nothing is sent again', async () => {
    const email = plannedEmail();
    const crashing = Object.assign(Object.create(world.services.notifications) as NotificationRepository, {
      async replace(document: NotificationRecord, expected: Parameters<NotificationRepository['replace']>[1]) {
        if (document.status === 'sent') throw new Error('process killed before the mark');
        return world.services.notifications.replace(document, expected);
      },
    });
    await expect(sendNotificationOnce({ ...deps, notifications: crashing }, request(email))).rejects.toThrow('process killed');
    expect(notify.to(email.id)).toHaveLength(1);
    expect(await record(email.id)).toMatchObject({ status: 'sending' });

    // Redelivered at once (the function failed): another delivery may still be sending, so wait for the lease.
    const early = await sendNotificationOnce(deps, request(email));
    expect(early).toMatchObject({ kind: 'retry-later' });
    expect(early.kind === 'retry-later' && early.delayMs).toBeGreaterThan(SEND_LEASE_MS - 1000);

    world.clock.advance(SEND_LEASE_MS + 1);
    expect(await sendNotificationOnce(deps, request(email))).toEqual({ kind: 'duplicate', foundAtNotify: true });
    expect(notify.to(email.id)).toHaveLength(1);
    expect(notify.lookups).toBe(1);
    expect(await record(email.id)).toMatchObject({ status: 'sent', notifyId: 'notify-1' });
  });

  it('a lost answer (Notify took it, then 500): looked up on the retry, not sent twice', async () => {
    const email = plannedEmail();
    notify.script = [{ status: 500, afterAccepting: true }];
    expect(await sendNotificationOnce(deps, request(email), () => 0.5)).toEqual({ kind: 'retry-later', delayMs: 30_000, reason: 'Notify answered 500' });
    expect(await record(email.id)).toMatchObject({ status: 'unknown', leaseUntil: null });
    expect(await sendNotificationOnce(deps, request(email))).toEqual({ kind: 'duplicate', foundAtNotify: true });
    expect(notify.to(email.id)).toHaveLength(1);
  });

  it('5xx or no answer, and Notify does not have it: sent on the retry, once', async () => {
    const email = plannedEmail();
    notify.script = [{ status: undefined }];
    expect(await sendNotificationOnce(deps, request(email))).toMatchObject({ kind: 'retry-later' });
    expect(await sendNotificationOnce(deps, request(email))).toMatchObject({ kind: 'sent' });
    expect(notify.lookups).toBe(1);
    expect(notify.to(email.id)).toHaveLength(1);
    expect(await record(email.id)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('429: not sent, retried later without a lookup (Notify certainly did not take it), honouring Retry-After', async () => {
    const email = plannedEmail();
    notify.script = [{ status: 429 }, { status: 429, retryAfterSeconds: 7 }];
    expect(await sendNotificationOnce(deps, request(email), () => 0.5)).toMatchObject({ kind: 'retry-later', delayMs: 30_000 });
    expect(await record(email.id)).toMatchObject({ status: 'retrying', attempts: 1 });
    expect(await sendNotificationOnce(deps, request(email))).toMatchObject({ kind: 'retry-later', delayMs: 7000 });
    expect(await sendNotificationOnce(deps, request(email))).toMatchObject({ kind: 'sent' });
    expect(notify.lookups).toBe(0);
    expect(notify.to(email.id)).toHaveLength(1);
  });

  it(`gives up after ${MAX_ATTEMPTS} refused attempts: dead-lettered with the reason, not retried for ever`, async () => {
    const email = plannedEmail();
    notify.script = Array.from({ length: MAX_ATTEMPTS }, () => ({ status: 429 }));
    for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) expect(await sendNotificationOnce(deps, request(email))).toMatchObject({ kind: 'retry-later' });
    const last = await sendNotificationOnce(deps, request(email));
    expect(last).toMatchObject({ kind: 'rejected', reason: expect.stringContaining(`not sent after ${MAX_ATTEMPTS} attempts`) });
    expect(await sendNotificationOnce(deps, request(email))).toMatchObject({ kind: 'rejected' });
    expect(notify.sends).toBe(MAX_ATTEMPTS);
    // An operator's replay tries once more.
    expect(await sendNotificationOnce(deps, request(email, true))).toMatchObject({ kind: 'sent' });
  });

  it('400: rejected with Notify\'s reason; redeliveries do not call Notify again; a replay does', async () => {
    const email = plannedEmail();
    notify.script = [{ status: 400 }];
    expect(await sendNotificationOnce(deps, request(email))).toEqual({ kind: 'rejected', reason: 'Notify answered 400' });
    expect(await sendNotificationOnce(deps, request(email))).toEqual({ kind: 'rejected', reason: 'Notify answered 400' });
    expect(notify.sends).toBe(1);
    expect(await sendNotificationOnce(deps, request(email, true))).toMatchObject({ kind: 'sent' });
    expect(await sendNotificationOnce(deps, request(email, true))).toMatchObject({ kind: 'duplicate' });
    expect(notify.to(email.id)).toHaveLength(1);
  });

  it('a refused key (403 after re-reading it) fails loudly and leaves the email to be sent later', async () => {
    const email = plannedEmail();
    notify.script = ['auth'];
    await expect(sendNotificationOnce(deps, request(email))).rejects.toBeInstanceOf(NotifyAuthError);
    expect(await record(email.id)).toMatchObject({ status: 'retrying', lastError: expect.stringContaining('403') });
    expect(await sendNotificationOnce(deps, request(email))).toMatchObject({ kind: 'sent' });
    expect(notify.lookups).toBe(0);
  });

  it('two deliveries racing for one email: Notify is called once', async () => {
    const email = plannedEmail();
    let open!: () => void;
    notify.gate = new Promise((resolve) => (open = resolve));
    const first = sendNotificationOnce(deps, request(email));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await sendNotificationOnce(deps, request(email));
    open();
    expect(await first).toMatchObject({ kind: 'sent' });
    expect(second).toMatchObject({ kind: 'retry-later', reason: 'another delivery is sending it' });
    expect(notify.sends).toBe(1);
    expect(await sendNotificationOnce(deps, request(email))).toMatchObject({ kind: 'duplicate' });
  });
});

describe('retryDelayMs', () => {
  it('doubles from 30 s to at most an hour, with ±20 % jitter; Retry-After wins', () => {
    expect([1, 2, 3, 8, 20].map((attempts) => retryDelayMs(attempts, undefined, () => 0.5))).toEqual([30_000, 60_000, 120_000, 3_600_000, 3_600_000]);
    expect(retryDelayMs(1, undefined, () => 0)).toBe(24_000);
    expect(retryDelayMs(1, undefined, () => 1)).toBe(36_000);
    expect(retryDelayMs(5, 2)).toBe(2000);
  });
});

describe('handleNotificationsMessage', () => {
  async function assignedEvent(): Promise<TaskEvent> {
    const before = world.messaging.sentTo(TOPICS.taskEvents.name).length;
    await createTask(world.services, manager, newTaskInput({ assignee: caseworker.id }), writeContext(manager));
    return world.messaging.sentTo(TOPICS.taskEvents.name).slice(before)[0]!.body as TaskEvent;
  }
  const delivery = (messageId: string, applicationProperties: Record<string, unknown> = {}) => ({ messageId, correlationId: 'test', applicationProperties });
  const followUps = (from: number) => world.messaging.sentTo(TOPICS.taskEvents.name).slice(from);

  it('a task assigned by a manager: one email to the assignee; the event again: none', async () => {
    const event = await assignedEvent();
    const result = await handleNotificationsMessage(deps, event, delivery(event.id), noLog);
    expect(result).toMatchObject({ planned: 1, sent: 1, duplicates: 0, retry: null, rejected: [] });
    expect(notify.accepted).toEqual([expect.objectContaining({ reference: `taskAssigned:${event.id}:${caseworker.id}`, templateId: TEMPLATES.taskAssigned })]);
    expect(await handleNotificationsMessage(deps, event, delivery(`${event.id}:replay`, { [REPLAY_PROPERTY]: event.id }), noLog)).toMatchObject({ sent: 0, duplicates: 1 });
    expect(notify.sends).toBe(1);
  });

  it('429: the message is sent again to its own subscription, scheduled, and this delivery completes', async () => {
    const event = await assignedEvent();
    notify.script = [{ status: 429, retryAfterSeconds: 3 }];
    const sentBefore = world.messaging.sent.length;
    const result = await handleNotificationsMessage(deps, event, delivery(event.id), noLog);
    expect(result.retry).toEqual({ messageId: expect.stringMatching(new RegExp(`^${event.id}:retry:[0-9a-f]{12}$`)), delayMs: 3000 });
    const [retry] = followUps(sentBefore);
    expect(retry).toMatchObject({
      messageId: result.retry!.messageId,
      body: event,
      applicationProperties: { [ADDRESSED_TO_PROPERTY]: TOPICS.taskEvents.subscriptions.notifications, notifyRetryOf: event.id },
    });
    expect(retry!.scheduledEnqueueTimeUtc!.getTime()).toBe(world.clock.now().getTime() + 3000);
    // The retry's delivery sends it.
    expect(await handleNotificationsMessage(deps, event, delivery(retry!.messageId, retry!.applicationProperties), noLog)).toMatchObject({ sent: 1, retry: null });
    expect(notify.accepted).toHaveLength(1);
  });

  it('400: a copy carrying the reason goes to the subscription, whose deliveries fail as poison (so it is dead-lettered with it); a replay sends', async () => {
    const event = await assignedEvent();
    notify.script = [{ status: 400 }];
    const sentBefore = world.messaging.sent.length;
    const result = await handleNotificationsMessage(deps, event, delivery(event.id), noLog);
    expect(result.rejected).toEqual([`taskAssigned:${event.id}:${caseworker.id}: Notify answered 400`]);
    const [copy] = followUps(sentBefore);
    expect(copy).toMatchObject({
      messageId: expect.stringMatching(new RegExp(`^${event.id}:rejected:[0-9a-f]{12}$`)),
      body: event,
      applicationProperties: { [ADDRESSED_TO_PROPERTY]: TOPICS.taskEvents.subscriptions.notifications, [REJECTED_PROPERTY]: result.rejected[0] },
    });
    expect(copy!.scheduledEnqueueTimeUtc).toBeUndefined();
    await expect(handleNotificationsMessage(deps, event, delivery(copy!.messageId, copy!.applicationProperties), noLog)).rejects.toBeInstanceOf(PoisonMessageError);
    // A redelivery of the original does not call Notify again.
    expect(await handleNotificationsMessage(deps, event, delivery(event.id), noLog)).toMatchObject({ sent: 0, rejected: [expect.any(String)] });
    expect(notify.sends).toBe(1);
    // The operator replays the dead letter (replayOf is set): sent now, once.
    const replayed = delivery(`${copy!.messageId}:replay`, { ...copy!.applicationProperties, [REPLAY_PROPERTY]: copy!.messageId });
    expect(await handleNotificationsMessage(deps, event, replayed, noLog)).toMatchObject({ sent: 1, rejected: [] });
    expect(await handleNotificationsMessage(deps, event, replayed, noLog)).toMatchObject({ sent: 0, duplicates: 1 });
    expect(notify.accepted).toHaveLength(1);
  });

  it('a tampered event is poison; with notifications off (no templates) the message is taken and nothing sent', async () => {
    const event = await assignedEvent();
    await expect(handleNotificationsMessage(deps, { ...event, after: { ...event.after!, title: 'Changed' } }, delivery(event.id), noLog)).rejects.toBeInstanceOf(PoisonMessageError);
    const off = { ...deps, settings: { ...deps.settings, notify: { ...deps.settings.notify, templates: undefined } } };
    expect(await handleNotificationsMessage(off, event, delivery(event.id), noLog)).toMatchObject({ off: true, planned: 0 });
    expect(notify.sends).toBe(0);
    expect(await world.services.notifications.get(`taskAssigned:${event.id}:${caseworker.id}`)).toBeUndefined();
  });
});
