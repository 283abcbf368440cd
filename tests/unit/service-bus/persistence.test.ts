import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVICE_BUS_DELIVERY } from '../../../shared/config/entities.js';
import {
  AUDIT,
  type BrokerProcess,
  buildBroker,
  deadLetters,
  NOTIFICATIONS,
  OVERDUE,
  removeTempDirs,
  sendMessages,
  startBrokerProcess,
  stats,
  tempDataDir,
  TOPIC,
  waitFor,
} from './broker-process.js';

/**
 * The broker's state lives in the embedded Cosmos database: a clean restart and a crash
 * (SIGKILL) of the whole local host keep dead letters, scheduled and undelivered messages,
 * delivery counts, sequence numbers and duplicate detection.
 */

let build: { dir: string; cleanup: () => void };
const running: BrokerProcess[] = [];

beforeAll(() => {
  build = buildBroker();
});

afterAll(async () => {
  await Promise.all(running.map((process) => process.kill()));
  build?.cleanup();
  removeTempDirs();
});

async function start(dataDir: string, attach = true): Promise<BrokerProcess> {
  const process = await startBrokerProcess({ build: build.dir, dataDir, attach });
  running.push(process);
  return process;
}

const tag = () => `t-${randomUUID()}`;
const inHours = (hours: number) => new Date(Date.now() + hours * 3600_000).toISOString();
const ofTest = (test: string) => (message: Record<string, unknown>) => (message['body'] as { test?: string }).test === test;

/** A dead-lettered message and a message scheduled an hour ahead, for a restart to keep. */
async function prepareState(broker: BrokerProcess, test: string) {
  await sendMessages(broker.url, OVERDUE, [{ messageId: `${test}-poison`, body: { test, fail: { 'overdue-worker': 'always' } } }]);
  await sendMessages(broker.url, TOPIC, [{ messageId: `${test}-later`, body: { test }, scheduledEnqueueTimeUtc: inHours(1) }]);
  await broker.idle();
  const dead = (await deadLetters(broker.url, OVERDUE)).filter(ofTest(test));
  expect(dead).toHaveLength(1);
  expect(await stats(broker.url, AUDIT)).toMatchObject({ scheduled: 1 });
  expect(await stats(broker.url, NOTIFICATIONS)).toMatchObject({ scheduled: 1 });
  return dead[0] as Record<string, unknown>;
}

async function expectStateKept(broker: BrokerProcess, test: string, dead: Record<string, unknown>) {
  expect((await deadLetters(broker.url, OVERDUE)).filter(ofTest(test))).toEqual([dead]);
  expect(await stats(broker.url, OVERDUE)).toMatchObject({ deadLettered: 1 });
  expect(await stats(broker.url, AUDIT)).toMatchObject({ scheduled: 1, active: 0 });
  expect(await stats(broker.url, NOTIFICATIONS)).toMatchObject({ scheduled: 1, active: 0 });
  // Duplicate detection remembers what was accepted before the restart.
  expect((await sendMessages(broker.url, TOPIC, [{ messageId: `${test}-later`, body: { test } }])).body).toEqual({ accepted: 0, duplicates: 1 });
  // Sequence numbers go on from where they were.
  const next = `${test}-next`;
  await sendMessages(broker.url, OVERDUE, [{ messageId: next, body: { test, next: true } }]);
  await broker.idle();
  const delivered = broker.deliveries.find((d) => d.meta['messageId'] === next);
  expect(delivered?.meta['sequenceNumber']).toBeGreaterThan(dead['sequenceNumber'] as number);
}

describe('persistence', () => {
  it('keeps dead letters, scheduled messages, duplicate ids and sequence numbers across a clean restart', async () => {
    const dataDir = tempDataDir();
    const test = tag();
    const first = await start(dataDir);
    const dead = await prepareState(first, test);
    expect(dead).toMatchObject({ deadLetterReason: 'MaxDeliveryCountExceeded', deliveryCount: SERVICE_BUS_DELIVERY.maxDeliveryCount });
    await first.stop();

    const second = await start(dataDir);
    await expectStateKept(second, test, dead);
    // Nothing that was settled before the restart is delivered again.
    expect(second.deliveries.filter((d) => d.body?.test === test && !d.body['next'])).toEqual([]);
    await second.stop();
  });

  it('keeps them across a crash (SIGKILL), and delivers what was accepted but not yet delivered', async () => {
    const dataDir = tempDataDir();
    const test = tag();
    const first = await start(dataDir);
    const dead = await prepareState(first, test);
    await first.kill();

    // Accepted while no function listens, then the process dies before anything delivers it.
    const detached = await start(dataDir, false);
    const reply = await sendMessages(detached.url, TOPIC, [{ messageId: `${test}-waiting`, body: { test, waiting: true } }]);
    expect(reply).toMatchObject({ status: 202, body: { accepted: 1 } });
    expect(await stats(detached.url, AUDIT)).toMatchObject({ active: 1 });
    await detached.kill();

    const third = await start(dataDir);
    await third.idle();
    const waiting = third.deliveries.filter((d) => d.body?.test === test && d.body['waiting']);
    expect(waiting.map((d) => d.fn).sort()).toEqual(['audit-consumer', 'notifications-consumer']);
    expect(waiting.map((d) => d.meta['deliveryCount'])).toEqual([1, 1]);
    await expectStateKept(third, test, dead);
    await third.kill();
  });

  it('delivers a message again, with its delivery count, when the process died while a function ran it', async () => {
    const dataDir = tempDataDir();
    const test = tag();
    const first = await start(dataDir);
    await sendMessages(first.url, OVERDUE, [{ messageId: `${test}-m`, body: { test, block: { 'overdue-worker': { ms: 60_000, deliveries: 1 } } } }]);
    await waitFor('the first delivery', () => first.deliveries.find((d) => d.body?.test === test));
    expect(await stats(first.url, OVERDUE)).toMatchObject({ locked: 1 });
    await first.kill();

    // The lock died with the process; the delivery count was stored before the function ran.
    const second = await start(dataDir);
    await second.idle();
    expect(second.deliveries.filter((d) => d.body?.test === test).map((d) => d.meta['deliveryCount'])).toEqual([2]);
    expect(await stats(second.url, OVERDUE)).toEqual({ active: 0, scheduled: 0, locked: 0, deadLettered: 0 });
    await second.kill();
  });

  it('dead-letters a message whose time to live passed before anyone received it', async () => {
    const dataDir = tempDataDir();
    const test = tag();
    const detached = await start(dataDir, false);
    await sendMessages(detached.url, OVERDUE, [{ messageId: `${test}-short`, body: { test }, timeToLive: 200 }]);
    const [expired] = await waitFor('the expired message in the dead-letter queue', async () => {
      const found = (await deadLetters(detached.url, OVERDUE)).filter(ofTest(test));
      return found.length > 0 ? found : undefined;
    });
    expect(expired).toMatchObject({
      messageId: `${test}-short`,
      deliveryCount: 0,
      deadLetterReason: 'TTLExpiredException',
      deadLetterErrorDescription: 'The message expired and was dead lettered.',
    });
    await detached.kill();

    // And it is not delivered once a function listens.
    const attached = await start(dataDir);
    await attached.idle();
    expect(attached.deliveries.filter((d) => d.body?.test === test)).toEqual([]);
    expect((await deadLetters(attached.url, OVERDUE)).filter(ofTest(test))).toHaveLength(1);
    await attached.kill();
  });

  it('drops an expired message without dead-lettering it where the entity says so (the notifications subscription)', async () => {
    const dataDir = tempDataDir();
    const test = tag();
    const detached = await start(dataDir, false);
    await sendMessages(detached.url, TOPIC, [{ messageId: `${test}-short`, body: { test }, timeToLive: 200 }]);
    // The audit subscription's copy is dead-lettered; the notifications subscription's copy just goes.
    await waitFor('the audit copy in its dead-letter queue', async () => ((await deadLetters(detached.url, AUDIT)).some(ofTest(test)) ? true : undefined));
    await waitFor('the notifications copy to be gone', async () => ((await stats(detached.url, NOTIFICATIONS)).active === 0 ? true : undefined));
    expect((await deadLetters(detached.url, NOTIFICATIONS)).filter(ofTest(test))).toEqual([]);
    await detached.kill();
  });
});
