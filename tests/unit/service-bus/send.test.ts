import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADDRESSED_TO_PROPERTY, TOPICS } from '../../../shared/config/entities.js';
import {
  AUDIT,
  type BrokerProcess,
  buildBroker,
  NOTIFICATIONS,
  OVERDUE,
  removeTempDirs,
  request,
  sendMessages,
  startBrokerProcess,
  stats,
  tempDataDir,
  TOPIC,
  waitFor,
} from './broker-process.js';

/** The send side of the admin API: validation, duplicate detection, scheduling, fault injection. */

let broker: BrokerProcess;
let cleanup: () => void;

beforeAll(async () => {
  const build = buildBroker();
  cleanup = build.cleanup;
  broker = await startBrokerProcess({ build: build.dir, dataDir: tempDataDir() });
});

afterAll(async () => {
  await broker?.stop();
  cleanup?.();
  removeTempDirs();
});

const tag = () => `t-${randomUUID()}`;
const deliveriesOf = (test: string, fn?: string) => broker.deliveries.filter((d) => d.body?.test === test && (fn === undefined || d.fn === fn));
const allStats = async () => (await request<{ entities: Record<string, unknown> }>(broker.url, 'GET', '/admin/service-bus')).body.entities;

describe('validation', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['no messages array', { message: [] }, /^messages:/],
    ['an empty batch', { messages: [] }, /^messages: must hold 1 to 100/],
    ['101 messages', { messages: Array.from({ length: 101 }, (_, i) => ({ messageId: `m${i}`, body: i })) }, /^messages: must hold 1 to 100/],
    ['a missing messageId', { messages: [{ body: 1 }] }, /^messages\[0\]\.messageId:/],
    ['a messageId over 128 characters', { messages: [{ messageId: 'x'.repeat(129), body: 1 }] }, /^messages\[0\]\.messageId:/],
    ['a missing body', { messages: [{ messageId: 'a' }] }, /^messages\[0\]\.body:/],
    ['a nested application property', { messages: [{ messageId: 'a', body: 1, applicationProperties: { a: { b: 1 } } }] }, /^messages\[0\]\.applicationProperties\.a:/],
    ['a null application property', { messages: [{ messageId: 'a', body: 1, applicationProperties: { a: null } }] }, /^messages\[0\]\.applicationProperties\.a:/],
    ['a schedule without a zone', { messages: [{ messageId: 'a', body: 1, scheduledEnqueueTimeUtc: '2030-01-01T00:00:00' }] }, /scheduledEnqueueTimeUtc/],
    ['an unknown field', { messages: [{ messageId: 'a', body: 1, sessionId: 's' }] }, /^messages\[0\]\.sessionId: is not supported/],
    ['a message over 256 KB', { messages: [{ messageId: 'a', body: 'x'.repeat(256 * 1024) }] }, /^messages\[0\]: is larger than/],
    ['a second bad message', { messages: [{ messageId: 'a', body: 1 }, { messageId: 2, body: 1 }] }, /^messages\[1\]\.messageId:/],
  ];

  it.each(cases)('answers 400 naming the field for %s, and stores nothing', async (_name, body, detail) => {
    const before = await allStats();
    const reply = await request<{ status: number; detail: string; title: string }>(broker.url, 'POST', `/admin/service-bus/${OVERDUE}/messages`, body);
    expect(reply.status).toBe(400);
    expect(reply.contentType).toMatch(/^application\/problem\+json/);
    expect(reply.body).toMatchObject({ status: 400, title: 'Bad Request' });
    expect(reply.body.detail).toMatch(detail);
    expect(await allStats()).toEqual(before);
  });

  it('answers 400 for a body that is not JSON', async () => {
    const reply = await request(broker.url, 'POST', `/admin/service-bus/${OVERDUE}/messages`, '{"messages": [');
    expect(reply).toMatchObject({ status: 400, body: { detail: expect.stringMatching(/not valid JSON/) } });
  });

  it('answers 404 for unknown entities and for sends to a subscription, 405 for a wrong method', async () => {
    const message = { messageId: 'a', body: 1 };
    expect((await sendMessages(broker.url, 'no-such-queue', [message])).status).toBe(404);
    expect((await request(broker.url, 'POST', `/admin/service-bus/${AUDIT}/messages`, { messages: [message] })).status).toBe(404);
    expect((await request(broker.url, 'GET', '/admin/service-bus/no-such-queue/stats')).status).toBe(404);
    expect((await request(broker.url, 'GET', `/admin/service-bus/${TOPIC}/dead-letters`)).status).toBe(404);
    expect((await request(broker.url, 'GET', `/admin/service-bus/${TOPIC}/subscriptions/nope/stats`)).status).toBe(404);
    expect((await request(broker.url, 'GET', '/admin/service-bus/nothing/here/at/all')).status).toBe(404);
    const wrong = await request(broker.url, 'GET', `/admin/service-bus/${OVERDUE}/messages`);
    expect(wrong.status).toBe(405);
    expect((await request(broker.url, 'GET', `/admin/service-bus/${OVERDUE}/dead-letters?max=0`)).status).toBe(400);
    expect((await request(broker.url, 'DELETE', `/admin/service-bus/${OVERDUE}/dead-letters/abc`)).status).toBe(400);
  });

  it('accepts entity paths with encoded slashes and any letter case, as Service Bus names are case-insensitive', async () => {
    expect((await request(broker.url, 'GET', `/admin/service-bus/${encodeURIComponent(NOTIFICATIONS)}/stats`)).status).toBe(200);
    expect((await request(broker.url, 'GET', `/admin/service-bus/${OVERDUE.toUpperCase()}/stats`)).status).toBe(200);
  });
});

describe('duplicate detection', () => {
  it('accepts and drops a resend of the same messageId to the same entity', async () => {
    const test = tag();
    const message = { messageId: `${test}-dup`, body: { test, copy: 1 } };
    expect((await sendMessages(broker.url, OVERDUE, [message])).body).toEqual({ accepted: 1, duplicates: 0 });
    expect((await sendMessages(broker.url, OVERDUE, [{ ...message, body: { test, copy: 2 } }])).body).toEqual({ accepted: 0, duplicates: 1 });
    await broker.idle();
    // And again after the first one was completed: the window counts from acceptance, not delivery.
    const late = await sendMessages(broker.url, OVERDUE, [{ ...message, body: { test, copy: 3 } }]);
    expect(late).toMatchObject({ status: 202, body: { accepted: 0, duplicates: 1 } });
    await broker.idle();
    expect(deliveriesOf(test).map((d) => d.body['copy'])).toEqual([1]);
  });

  it('drops a duplicate inside one batch, and keeps ids of different entities apart', async () => {
    const test = tag();
    const id = `${test}-same-id`;
    const batch = await sendMessages(broker.url, TOPIC, [
      { messageId: id, body: { test, copy: 'topic-1' } },
      { messageId: id, body: { test, copy: 'topic-2' } },
    ]);
    expect(batch.body).toEqual({ accepted: 1, duplicates: 1 });
    // Same id, other entity: duplicate detection is per queue or topic.
    expect((await sendMessages(broker.url, OVERDUE, [{ messageId: id, body: { test, copy: 'queue' } }])).body).toEqual({ accepted: 1, duplicates: 0 });
    await broker.idle();
    expect(deliveriesOf(test, 'audit-consumer').map((d) => d.body['copy'])).toEqual(['topic-1']);
    expect(deliveriesOf(test, 'notifications-consumer').map((d) => d.body['copy'])).toEqual(['topic-1']);
    expect(deliveriesOf(test, 'overdue-worker').map((d) => d.body['copy'])).toEqual(['queue']);
  });
});

describe('subscription filters', () => {
  it('a message addressed to one subscription (addressedTo) goes to that one only; others go to every subscription', async () => {
    const test = tag();
    await sendMessages(broker.url, TOPIC, [
      { messageId: `${test}-all`, body: { test, copy: 'all' } },
      { messageId: `${test}-notifications`, body: { test, copy: 'notifications' }, applicationProperties: { [ADDRESSED_TO_PROPERTY]: TOPICS.taskEvents.subscriptions.notifications } },
      { messageId: `${test}-nobody`, body: { test, copy: 'nobody' }, applicationProperties: { [ADDRESSED_TO_PROPERTY]: 'no-such-subscription' } },
    ]);
    await broker.idle();
    expect(deliveriesOf(test, 'audit-consumer').map((d) => d.body['copy'])).toEqual(['all']);
    expect(deliveriesOf(test, 'notifications-consumer').map((d) => d.body['copy']).sort()).toEqual(['all', 'notifications']);
  });
});

describe('scheduled messages', () => {
  it('holds a scheduled message until its time, then delivers it with that enqueue time', async () => {
    const test = tag();
    const due = Date.now() + 1500;
    const dueIso = new Date(due).toISOString();
    const reply = await sendMessages(broker.url, OVERDUE, [{ messageId: `${test}-later`, body: { test }, scheduledEnqueueTimeUtc: dueIso }]);
    expect(reply.body).toEqual({ accepted: 1, duplicates: 0 });
    expect(await stats(broker.url, OVERDUE)).toMatchObject({ scheduled: 1 });
    // idle() does not wait for future messages: it returns while this one is still scheduled.
    await broker.idle();
    if (Date.now() < due) {
      expect(deliveriesOf(test)).toEqual([]);
      expect(await stats(broker.url, OVERDUE)).toMatchObject({ scheduled: 1 });
    }

    const [delivery] = await waitFor('the scheduled delivery', () => (deliveriesOf(test).length > 0 ? deliveriesOf(test) : undefined), 10_000);
    expect(delivery?.at).toBeGreaterThanOrEqual(due);
    expect(Date.parse(`${String(delivery?.meta['enqueuedTimeUtc'])}Z`)).toBe(due);
    await broker.idle();
    expect(deliveriesOf(test)).toHaveLength(1);
    expect(await stats(broker.url, OVERDUE)).toMatchObject({ scheduled: 0, active: 0 });
  });

  it('delivers a message scheduled in the past at once', async () => {
    const test = tag();
    await sendMessages(broker.url, OVERDUE, [{ messageId: `${test}-past`, body: { test }, scheduledEnqueueTimeUtc: '2001-01-01T00:00:00Z' }]);
    await broker.idle();
    expect(deliveriesOf(test)).toHaveLength(1);
  });
});

describe('fault injection', () => {
  it('answers 503 with a problem while failSends is on, stores nothing, and accepts again once it is off', async () => {
    const test = tag();
    expect((await request(broker.url, 'GET', '/admin/service-bus/faults')).body).toEqual({ failSends: false, hang: false });
    const on = await request(broker.url, 'PUT', '/admin/service-bus/faults', { failSends: true });
    expect(on).toMatchObject({ status: 200, body: { failSends: true } });
    try {
      const before = await allStats();
      const refused = await sendMessages(broker.url, TOPIC, [{ messageId: `${test}-m`, body: { test } }]);
      expect(refused.status).toBe(503);
      expect(refused.contentType).toMatch(/^application\/problem\+json/);
      expect(refused.body).toMatchObject({ status: 503 });
      await broker.idle();
      expect(await allStats()).toEqual(before);
      expect(deliveriesOf(test)).toEqual([]);
    } finally {
      await request(broker.url, 'PUT', '/admin/service-bus/faults', { failSends: false });
    }
    // Nothing was recorded for duplicate detection either: the retry is accepted.
    const retried = await sendMessages(broker.url, TOPIC, [{ messageId: `${test}-m`, body: { test } }]);
    expect(retried).toMatchObject({ status: 202, body: { accepted: 1, duplicates: 0 } });
    await broker.idle();
    expect(deliveriesOf(test)).toHaveLength(2); // one per subscription
  });

  it('rejects a faults body that is not booleans of known faults', async () => {
    for (const body of [{ failSends: 'yes' }, { hang: 1 }, {}, { slow: true }, [true]]) {
      expect((await request(broker.url, 'PUT', '/admin/service-bus/faults', body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await request(broker.url, 'GET', '/admin/service-bus/faults')).body).toEqual({ failSends: false, hang: false });
  });

  it('holds sends unanswered while hang is on, stores nothing, cuts them when it goes off, then accepts again', async () => {
    const test = tag();
    const on = await request(broker.url, 'PUT', '/admin/service-bus/faults', { hang: true });
    expect(on).toMatchObject({ status: 200, body: { failSends: false, hang: true } });
    let held: Promise<unknown> | undefined;
    try {
      const before = await allStats();
      const send = (signal?: AbortSignal) =>
        fetch(`${broker.url}/admin/service-bus/${TOPIC}/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ messages: [{ messageId: `${test}-m`, body: { test } }] }),
          signal,
        });
      // No answer, not even a refusal: the caller's own timeout is what ends the wait.
      await expect(send(AbortSignal.timeout(700))).rejects.toMatchObject({ name: 'TimeoutError' });
      held = send().then(
        (response) => ({ status: response.status }),
        (error: unknown) => ({ error: (error as Error).name }),
      );
      // Other admin calls (stats, health) still answer.
      expect(await allStats()).toEqual(before);
    } finally {
      await request(broker.url, 'PUT', '/admin/service-bus/faults', { hang: false });
    }
    // The held send's connection was cut: the sender learns nothing was confirmed.
    expect(await held).toEqual({ error: 'TypeError' });
    await broker.idle();
    expect(deliveriesOf(test)).toEqual([]);
    const retried = await sendMessages(broker.url, TOPIC, [{ messageId: `${test}-m`, body: { test } }]);
    expect(retried).toMatchObject({ status: 202, body: { accepted: 1, duplicates: 0 } });
    await broker.idle();
    expect(deliveriesOf(test)).toHaveLength(2); // one per subscription
  });

  it('makes a function fail when its output cannot be sent, so the message is retried', async () => {
    const test = tag();
    // Scheduled, so the trigger message itself is accepted before sends start failing; each run
    // takes 100 ms so the fault is lifted long before the deliveries run out.
    const due = Date.now() + 1000;
    await sendMessages(broker.url, OVERDUE, [
      { messageId: `${test}-m`, body: { test, block: { 'overdue-worker': 100 }, emit: { 'overdue-worker': { test, from: 'output' } } }, scheduledEnqueueTimeUtc: new Date(due).toISOString() },
    ]);
    await request(broker.url, 'PUT', '/admin/service-bus/faults', { failSends: true });
    try {
      // The second delivery starting means the first one failed (its output could not be sent).
      await waitFor('a second delivery', () => (deliveriesOf(test, 'overdue-worker').length >= 2 ? true : undefined));
    } finally {
      await request(broker.url, 'PUT', '/admin/service-bus/faults', { failSends: false });
    }
    await broker.idle();
    const worker = deliveriesOf(test, 'overdue-worker').map((d) => d.meta['deliveryCount'] as number);
    expect(worker.length).toBeGreaterThanOrEqual(2);
    expect(worker).toEqual(worker.map((_, i) => i + 1));
    // Exactly one output got through: from the run after the fault was lifted.
    expect(deliveriesOf(test, 'audit-consumer')).toHaveLength(1);
  });
});
