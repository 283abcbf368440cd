import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_BUS_DELIVERY } from '../../../shared/config/entities.js';
import {
  ALL_RECEIVING,
  AUDIT,
  type BrokerProcess,
  buildBroker,
  deadLetters,
  NOTIFICATIONS,
  OVERDUE,
  removeTempDirs,
  request,
  sendMessages,
  startBrokerProcess,
  stats,
  tempDataDir,
  TOPIC,
} from './broker-process.js';

/**
 * Delivery semantics through the real local Functions host: peek-lock, completion, topic
 * fan-out, delivery counts across retries, dead-lettering, and outputs only on success.
 */

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

describe('queue delivery', () => {
  it('delivers a message once, with the JSON body parsed and Service Bus metadata, then completes it', async () => {
    const test = tag();
    const sent = await sendMessages(broker.url, OVERDUE, [
      {
        messageId: `${test}-m`,
        body: { test, taskId: 'task-1' },
        contentType: 'application/json',
        correlationId: 'corr-1',
        subject: 'task.overdue',
        applicationProperties: { EventType: 'TaskOverdue', version: 2, urgent: true },
      },
    ]);
    expect(sent).toMatchObject({ status: 202, body: { accepted: 1, duplicates: 0 } });
    await broker.idle();

    const [delivery, ...more] = deliveriesOf(test);
    expect(more).toEqual([]);
    expect(delivery?.fn).toBe('overdue-worker');
    expect(delivery?.body).toEqual({ test, taskId: 'task-1' });
    const meta = delivery?.meta ?? {};
    expect(meta).toMatchObject({
      messageId: `${test}-m`,
      deliveryCount: 1,
      contentType: 'application/json',
      correlationId: 'corr-1',
      subject: 'task.overdue',
      label: 'task.overdue',
      // The library camel-cases keys recursively, application property names included.
      applicationProperties: { eventType: 'TaskOverdue', version: 2, urgent: true },
      userProperties: { eventType: 'TaskOverdue', version: 2, urgent: true },
    });
    expect(meta['sequenceNumber']).toEqual(expect.any(Number));
    expect(meta['lockToken']).toMatch(/^[0-9a-f-]{36}$/);
    // DateTime (no zone designator) and DateTimeOffset forms, as Newtonsoft writes them.
    expect(meta['enqueuedTimeUtc']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/);
    expect(meta['enqueuedTime']).toMatch(/\+00:00$/);
    const ttlMs = Date.parse(`${meta['expiresAtUtc']}Z`) - Date.parse(`${meta['enqueuedTimeUtc']}Z`);
    expect(ttlMs).toBe(SERVICE_BUS_DELIVERY.defaultMessageTimeToLiveDays * 24 * 3600 * 1000);

    expect(await stats(broker.url, OVERDUE)).toEqual({ active: 0, scheduled: 0, locked: 0, deadLettered: 0 });
  });

  it('hands a non-JSON text body over as a string', async () => {
    const test = tag();
    // A JSON string body is stored as its JSON text, so the handler gets the string back.
    await sendMessages(broker.url, OVERDUE, [{ messageId: `${test}-m`, body: `plain text ${test}` }]);
    await broker.idle();
    const delivered = broker.deliveries.filter((d) => (d.body as unknown) === `plain text ${test}`);
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.meta['contentType']).toBeUndefined();
  });
});

describe('topic fan-out', () => {
  it('copies every message to every subscription', async () => {
    const test = tag();
    const reply = await sendMessages(broker.url, TOPIC, [
      { messageId: `${test}-1`, body: { test, n: 1 } },
      { messageId: `${test}-2`, body: { test, n: 2 } },
    ]);
    expect(reply.body).toEqual({ accepted: 2, duplicates: 0 });
    await broker.idle();

    const seen = (fn: string) =>
      deliveriesOf(test, fn)
        .map((d) => d.body['n'])
        .sort();
    expect(seen('audit-consumer')).toEqual([1, 2]);
    expect(seen('notifications-consumer')).toEqual([1, 2]);
    expect(deliveriesOf(test)).toHaveLength(4);
    // One sequence number per message, shared by its copies.
    const sequence = (fn: string, n: number) => deliveriesOf(test, fn).find((d) => d.body['n'] === n)?.meta['sequenceNumber'];
    expect(sequence('audit-consumer', 1)).toBe(sequence('notifications-consumer', 1));
    expect(sequence('audit-consumer', 2)).toBeGreaterThan(sequence('audit-consumer', 1) as number);
  });
});

describe('retries and dead-lettering', () => {
  it('redelivers a failing message with an incremented deliveryCount until it succeeds, then completes it', async () => {
    const test = tag();
    await sendMessages(broker.url, OVERDUE, [{ messageId: `${test}-m`, body: { test, fail: { 'overdue-worker': 3 } } }]);
    await broker.idle();

    const counts = deliveriesOf(test).map((d) => d.meta['deliveryCount']);
    expect(counts).toEqual([1, 2, 3, 4]);
    expect(new Set(deliveriesOf(test).map((d) => d.invocationId)).size).toBe(4);
    expect((await deadLetters(broker.url, OVERDUE)).filter((m) => (m['body'] as { test?: string }).test === test)).toEqual([]);
    expect(await stats(broker.url, OVERDUE)).toMatchObject({ active: 0, locked: 0 });
  });

  it('dead-letters after exactly maxDeliveryCount failed deliveries; the dead letter can be listed and deleted', async () => {
    const test = tag();
    const before = await stats(broker.url, AUDIT);
    await sendMessages(broker.url, TOPIC, [
      {
        messageId: `${test}-m`,
        body: { test, fail: { 'audit-consumer': 'always' } },
        subject: 'task.created',
        correlationId: 'c-9',
        applicationProperties: { kind: 'poison' },
      },
    ]);
    await broker.idle();

    const max = SERVICE_BUS_DELIVERY.maxDeliveryCount;
    expect(deliveriesOf(test, 'audit-consumer').map((d) => d.meta['deliveryCount'])).toEqual(Array.from({ length: max }, (_, i) => i + 1));
    // The other subscription's copy is independent and succeeded at once.
    expect(deliveriesOf(test, 'notifications-consumer')).toHaveLength(1);
    expect(await stats(broker.url, AUDIT)).toEqual({ ...before, deadLettered: before.deadLettered + 1 });
    expect(await stats(broker.url, NOTIFICATIONS)).toMatchObject({ deadLettered: 0 });

    const dead = (await deadLetters(broker.url, AUDIT)).find((m) => (m['body'] as { test?: string }).test === test);
    expect(dead).toMatchObject({
      messageId: `${test}-m`,
      body: { test, fail: { 'audit-consumer': 'always' } },
      subject: 'task.created',
      correlationId: 'c-9',
      applicationProperties: { kind: 'poison' },
      deliveryCount: max,
      deadLetterReason: 'MaxDeliveryCountExceeded',
      deadLetterErrorDescription: `Message could not be consumed after ${max} delivery attempts.`,
    });
    expect(dead?.['deadLetterErrorDescription']).not.toMatch(/\n|at /);
    // As in Service Bus, the reason is also recorded in the message's application properties.
    expect(dead?.['applicationProperties']).toEqual({
      kind: 'poison',
      DeadLetterReason: 'MaxDeliveryCountExceeded',
      DeadLetterErrorDescription: `Message could not be consumed after ${max} delivery attempts.`,
    });
    expect(Date.parse(String(dead?.['deadLetteredAtUtc']))).toBeGreaterThanOrEqual(Date.parse(String(dead?.['enqueuedTimeUtc'])));

    const path = `/admin/service-bus/${AUDIT}/dead-letters/${String(dead?.['sequenceNumber'])}`;
    expect((await request(broker.url, 'DELETE', path)).status).toBe(204);
    expect((await deadLetters(broker.url, AUDIT)).some((m) => m['messageId'] === `${test}-m`)).toBe(false);
    const again = await request(broker.url, 'DELETE', path);
    expect(again.status).toBe(404);
    expect(again.contentType).toMatch(/^application\/problem\+json/);
    expect(await stats(broker.url, AUDIT)).toEqual(before);
  });

  it('pages dead letters by fromSequenceNumber and max', async () => {
    const test = tag();
    await sendMessages(
      broker.url,
      OVERDUE,
      [1, 2, 3].map((n) => ({ messageId: `${test}-${n}`, body: { test, n, fail: { 'overdue-worker': 'always' } } })),
    );
    await broker.idle();
    const ours = (await deadLetters(broker.url, OVERDUE)).filter((m) => (m['body'] as { test?: string }).test === test);
    expect(ours.map((m) => (m['body'] as { n: number }).n)).toEqual([1, 2, 3]);
    const second = ours[1]?.['sequenceNumber'] as number;
    const page = await request<{ messages: Array<{ sequenceNumber: number }> }>(
      broker.url,
      'GET',
      `/admin/service-bus/${OVERDUE}/dead-letters?fromSequenceNumber=${second}&max=1`,
    );
    expect(page.body.messages.map((m) => m.sequenceNumber)).toEqual([second]);
    for (const message of ours) await request(broker.url, 'DELETE', `/admin/service-bus/${OVERDUE}/dead-letters/${String(message['sequenceNumber'])}`);
  });
});

describe('output bindings', () => {
  it('sends a named output only from the run that succeeded', async () => {
    const test = tag();
    await sendMessages(broker.url, OVERDUE, [
      { messageId: `${test}-m`, body: { test, fail: { 'overdue-worker': 2 }, emit: { 'overdue-worker': { test, from: 'extra-output' } } } },
    ]);
    await broker.idle();
    expect(deliveriesOf(test, 'overdue-worker').map((d) => d.meta['deliveryCount'])).toEqual([1, 2, 3]);
    // The output went to the topic: one copy per subscription, once.
    const outputs = (fn: string) => deliveriesOf(test, fn).filter((d) => d.body['from'] === 'extra-output');
    expect(outputs('audit-consumer')).toHaveLength(1);
    expect(outputs('notifications-consumer')).toHaveLength(1);
    expect(outputs('audit-consumer')[0]?.meta).toMatchObject({ contentType: 'application/json', deliveryCount: 1 });
  });

  it('sends a bound return value, and nothing from a function that never succeeds', async () => {
    const test = tag();
    await sendMessages(broker.url, TOPIC, [
      {
        messageId: `${test}-ok`,
        body: { test, emit: { 'notifications-consumer': { test, from: 'return' } } },
      },
      {
        messageId: `${test}-never`,
        body: { test, fail: { 'notifications-consumer': 'always' }, emit: { 'notifications-consumer': { test, from: 'failed-run' } } },
      },
    ]);
    await broker.idle();
    expect(deliveriesOf(test, 'overdue-worker').map((d) => d.body['from'])).toEqual(['return']);
    expect(deliveriesOf(test).filter((d) => d.body['from'] === 'failed-run')).toEqual([]);
    const dead = (await deadLetters(broker.url, NOTIFICATIONS)).filter((m) => m['messageId'] === `${test}-never`);
    expect(dead).toHaveLength(1);
    await request(broker.url, 'DELETE', `/admin/service-bus/${NOTIFICATIONS}/dead-letters/${String(dead[0]?.['sequenceNumber'])}`);
  });
});

describe('host integration', () => {
  it('lists every entity in the overview and leaves non-Service Bus functions alone', async () => {
    const overview = await request<{ entities: Record<string, unknown> }>(broker.url, 'GET', '/admin/service-bus');
    expect(overview.status).toBe(200);
    expect(Object.keys(overview.body.entities).sort()).toEqual(ALL_RECEIVING);
    expect(ALL_RECEIVING).toEqual(expect.arrayContaining([AUDIT, NOTIFICATIONS, OVERDUE]));
    const ping = await fetch(`${broker.url}/api/ping`);
    expect(await ping.text()).toBe('pong');
    expect(broker.logs.some((line) => line.includes('overdue-worker ← overdue-tasks'))).toBe(true);
  });
});
