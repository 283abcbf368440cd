import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedCosmos, type EmbeddedCosmos } from '../../../dev/cosmos/index.js';
import { Broker, type BrokerOptions } from '../../../dev/service-bus/broker.js';
import { buildNamespace } from '../../../dev/service-bus/entities.js';
import type { OutgoingMessage } from '../../../dev/service-bus/message.js';
import { deliverySettings } from '../../../dev/service-bus/settings.js';
import { BrokerStore } from '../../../dev/service-bus/store.js';
import { QUEUES, TOPICS } from '../../../shared/config/entities.js';

/**
 * The broker's state machine against the embedded database, in this process: the crash windows
 * of a send (made to fail between its writes) and lock expiry (with a controlled clock), which
 * the child-process tests cannot time precisely.
 */

const namespace = buildNamespace();
const queue = namespace.findSending(QUEUES.overdueTasks.name)!;
const topic = namespace.findSending(TOPICS.taskEvents.name)!;
const subscriptions = topic.targets.map((target) => target.path);

let db: EmbeddedCosmos;
let dataDir: string;
const opened: BrokerStore[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'caseload-broker-'));
  db = await startEmbeddedCosmos({ dataDir, fsync: false, log: () => undefined });
});

afterAll(async () => {
  for (const store of opened) store.close();
  await db?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function openStore(): Promise<BrokerStore> {
  const store = await BrokerStore.open({ endpoint: db.endpoint, key: db.key });
  opened.push(store);
  return store;
}

function load(store: BrokerStore, overrides: Partial<BrokerOptions> = {}): Promise<Broker> {
  return Broker.load({ store, namespace, delivery: deliverySettings(), lockHoldMs: 60_000, log: () => undefined, onAvailable: () => undefined, ...overrides });
}

const message = (messageId: string): OutgoingMessage => ({ messageId, bodyText: JSON.stringify({ messageId }), applicationProperties: {} });

/** A store whose message and duplicate writes fail: the process "dies" after accepting a send. */
function failingAfterAcceptance(store: BrokerStore): BrokerStore {
  return Object.assign(Object.create(store) as BrokerStore, {
    putMessage: () => Promise.reject(new Error('crash after the acceptance write')),
    putDuplicateRecord: () => Promise.reject(new Error('crash after the acceptance write')),
  });
}

describe('send crash windows', () => {
  it('finishes an accepted send at the next start, delivering it once and remembering its id', async () => {
    const store = await openStore();
    const crashed = await load(failingAfterAcceptance(store));
    const before = subscriptions.map((path) => crashed.stats(path).active);
    expect(await crashed.send(topic, [message('accepted-then-crash')])).toEqual({ accepted: 1, duplicates: 0 });
    // Accepted and durable, but not deliverable in the process that could not store it.
    expect(subscriptions.map((path) => crashed.stats(path).active)).toEqual(before);

    const restarted = await load(await openStore());
    expect(subscriptions.map((path) => restarted.stats(path).active)).toEqual(before.map((n) => n + 1));
    expect(await restarted.send(topic, [message('accepted-then-crash')])).toEqual({ accepted: 0, duplicates: 1 });
    const received = await restarted.receive(subscriptions[0]!);
    expect(received?.message).toMatchObject({ messageId: 'accepted-then-crash', deliveryCount: 1 });
    expect(await restarted.complete(received!)).toBe(true);
  });

  it('keeps nothing, and no duplicate record, when the acceptance write itself fails', async () => {
    const store = await openStore();
    const refusing = Object.assign(Object.create(store) as BrokerStore, { writeSender: () => Promise.reject(new Error('database down')) });
    const broker = await load(refusing);
    await expect(broker.send(queue, [message('never-accepted')])).rejects.toThrow('database down');
    expect(broker.stats(queue.name)).toMatchObject({ active: 0 });

    const working = await load(await openStore());
    expect(await working.send(queue, [message('never-accepted')])).toEqual({ accepted: 1, duplicates: 0 });
    const received = await working.receive(queue.name);
    await working.complete(received!);
  });
});

describe('peek-lock', () => {
  it('makes a message whose lock ran out deliverable again, and refuses to settle it with the old lock', async () => {
    let now = Date.now();
    const broker = await load(await openStore(), { lockHoldMs: 1000, now: () => now });
    await broker.send(queue, [message('slow')]);
    const first = await broker.receive(queue.name);
    expect(first?.message.deliveryCount).toBe(1);
    expect(await broker.receive(queue.name)).toBeUndefined(); // locked
    expect(broker.stats(queue.name)).toMatchObject({ locked: 1, active: 0 });

    now += 1001;
    expect(broker.stats(queue.name)).toMatchObject({ locked: 0, active: 1 });
    const second = await broker.receive(queue.name);
    expect(second?.message).toMatchObject({ messageId: 'slow', deliveryCount: 2 });
    expect(await broker.complete(first!)).toBe(false); // MessageLockLost
    expect(await broker.abandon(first!)).toBe(false);
    expect(await broker.complete(second!)).toBe(true);
    expect(broker.stats(queue.name)).toEqual({ active: 0, scheduled: 0, locked: 0, deadLettered: 0 });
  });

  it('dead-letters instead of delivering when the last allowed delivery lost its lock', async () => {
    let now = Date.now();
    const { maxDeliveryCount } = deliverySettings();
    const broker = await load(await openStore(), { lockHoldMs: 10, now: () => now });
    await broker.send(queue, [message('stuck')]);
    for (let delivery = 1; delivery <= maxDeliveryCount; delivery += 1) {
      expect((await broker.receive(queue.name))?.message.deliveryCount).toBe(delivery);
      now += 11; // the function "hangs" past its lock every time
    }
    expect(await broker.receive(queue.name)).toBeUndefined();
    await expect.poll(() => broker.stats(queue.name).deadLettered).toBe(1);
    expect(broker.deadLetters(queue.name, 0, 10)).toEqual([
      expect.objectContaining({ messageId: 'stuck', deliveryCount: maxDeliveryCount, deadLetterReason: 'MaxDeliveryCountExceeded' }),
    ]);
    const [dead] = broker.deadLetters(queue.name, 0, 10);
    expect(await broker.deleteDeadLetter(queue.name, dead!.sequenceNumber)).toBe(true);
  });
});
