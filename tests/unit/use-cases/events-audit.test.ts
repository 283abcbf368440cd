import { describe, expect, it } from 'vitest';
import { TOPICS } from '../../../shared/config/entities.js';
import { eventHash } from '../../../shared/domain/event-hash.js';
import { PoisonMessageError } from '../../../shared/errors/poison-message-error.js';
import { taskEventSchema, type TaskEvent } from '../../../shared/schemas/event.js';
import { createTask } from '../../../shared/use-cases/create-task.js';
import { recordAudit } from '../../../shared/use-cases/record-audit.js';
import { performTaskAction } from '../../../shared/use-cases/task-actions.js';
import type { MetricLog } from '../../../shared/telemetry/metrics.js';
import { manager, newTaskInput, writeContext } from './fixtures.js';
import { useWorld } from './harness.js';

const world = useWorld();

/** A metric log that keeps every line it is given. */
function recordingLog(): MetricLog & { lines: unknown[][]; metrics(): Record<string, unknown>[] } {
  const lines: unknown[][] = [];
  return {
    log: (...args: unknown[]) => lines.push(args),
    lines,
    // `metric audit.lagMs=1500 eventType=task.created` (shared/telemetry/metrics.ts) as { metric, value, eventType }.
    metrics: () =>
      lines.map((args) => {
        const [name, ...dimensions] = String(args[0]).replace(/^metric /, '').split(' ');
        const [metric, value] = name!.split('=');
        return { metric, value: Number(value), ...Object.fromEntries(dimensions.map((pair) => pair.split('='))) } as Record<string, unknown>;
      }),
  } as MetricLog & { lines: unknown[][]; metrics(): Record<string, unknown>[] };
}

/** Creates a task and returns the `task.created` event exactly as it was published to the topic. */
async function publishedCreationEvent(): Promise<TaskEvent> {
  const before = world.messaging.sentTo(TOPICS.taskEvents.name).length;
  const created = await createTask(world.services, manager, newTaskInput(), writeContext(manager, 'audit-correlation'));
  const sent = world.messaging.sentTo(TOPICS.taskEvents.name).slice(before);
  expect(sent).toHaveLength(1);
  const event = sent[0]!.body as TaskEvent;
  expect(event.taskId).toBe(created.document.id);
  expect(event.type).toBe('task.created');
  return event;
}

describe('recordAudit', () => {
  it('records a published event once, with when it was recorded, and logs the audit lag', async () => {
    const event = await publishedCreationEvent();
    world.clock.advance(1_500);
    const log = recordingLog();

    expect(await recordAudit(world.services, event, log)).toBe('recorded');

    const records = await world.services.audit.all(event.taskId);
    expect(records).toEqual([{ ...event, recordedAt: world.clock.now().toISOString() }]);
    expect(log.metrics()).toEqual([{ metric: 'audit.lagMs', value: 1_500, eventType: 'task.created' }]);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toHaveLength(1);
  });

  it('treats the same event delivered again as a duplicate: one record, unchanged, and a duplicate metric', async () => {
    const event = await publishedCreationEvent();
    const first = recordingLog();
    expect(await recordAudit(world.services, event, first)).toBe('recorded');
    const [original] = await world.services.audit.all(event.taskId);

    world.clock.advance(60_000);
    const again = recordingLog();
    expect(await recordAudit(world.services, event, again)).toBe('duplicate');
    // A copy that went through JSON (as Service Bus delivers it) is the same event.
    expect(await recordAudit(world.services, JSON.parse(JSON.stringify(event)) as TaskEvent, again)).toBe('duplicate');

    const records = await world.services.audit.all(event.taskId);
    expect(records).toHaveLength(1);
    expect(records[0]).toEqual(original);
    expect(again.metrics()).toEqual([
      { metric: 'audit.duplicate', value: 1, eventType: 'task.created' },
      { metric: 'audit.duplicate', value: 1, eventType: 'task.created' },
    ]);
  });

  it('records each event of a task, in sequence, chained by hash', async () => {
    const event = await publishedCreationEvent();
    const before = world.messaging.sentTo(TOPICS.taskEvents.name).length;
    await performTaskAction(world.services, manager, event.taskId, 'claim', null, {}, writeContext(manager));
    const [claimed] = world.messaging.sentTo(TOPICS.taskEvents.name).slice(before).map((message) => message.body as TaskEvent);
    expect(claimed!.type).toBe('task.claimed');

    const log = recordingLog();
    // Out of order on purpose: the audit trail is ordered by sequence, not by arrival.
    expect(await recordAudit(world.services, claimed!, log)).toBe('recorded');
    expect(await recordAudit(world.services, event, log)).toBe('recorded');

    const records = await world.services.audit.all(event.taskId);
    expect(records.map((record) => [record.sequence, record.type])).toEqual([
      [1, 'task.created'],
      [2, 'task.claimed'],
    ]);
    expect(records[1]!.previousHash).toBe(records[0]!.hash);
    expect(log.metrics().map((metric) => [metric['metric'], metric['eventType']])).toEqual([
      ['audit.lagMs', 'task.claimed'],
      ['audit.lagMs', 'task.created'],
    ]);
  });

  it('refuses an event whose content no longer matches its hash as poison, and writes nothing', async () => {
    const event = await publishedCreationEvent();
    const tampered: TaskEvent = { ...event, caseId: '9999999999999999' };
    // Still a well-formed event: only the hash check can tell.
    expect(taskEventSchema.safeParse(tampered).success).toBe(true);
    const log = recordingLog();

    const attempt = recordAudit(world.services, tampered, log);
    await expect(attempt).rejects.toBeInstanceOf(PoisonMessageError);
    await expect(attempt).rejects.toThrow(`event ${event.id} does not match its hash`);

    expect(await world.services.audit.all(event.taskId)).toEqual([]);
    expect(log.lines).toEqual([]);
  });

  it('refuses a change deep inside the snapshot, and a replaced hash, without touching the recorded event', async () => {
    const event = await publishedCreationEvent();
    expect(await recordAudit(world.services, event, recordingLog())).toBe('recorded');
    const [recorded] = await world.services.audit.all(event.taskId);

    const deepChange: TaskEvent = { ...event, after: { ...event.after!, title: 'Something else entirely' } };
    const otherHash: TaskEvent = { ...event, hash: 'a'.repeat(64) };
    // The snapshot is covered by the hash as much as the top-level fields are.
    expect(eventHash(deepChange)).not.toBe(event.hash);

    const log = recordingLog();
    await expect(recordAudit(world.services, deepChange, log)).rejects.toBeInstanceOf(PoisonMessageError);
    await expect(recordAudit(world.services, otherHash, log)).rejects.toBeInstanceOf(PoisonMessageError);

    expect(await world.services.audit.all(event.taskId)).toEqual([recorded]);
    expect(log.lines).toEqual([]);
  });

  it('ignores what storage adds to an event (recordedAt) when checking the hash', async () => {
    const event = await publishedCreationEvent();
    const withStorageField = { ...event, recordedAt: '2000-01-01T00:00:00.000Z' } as TaskEvent;
    const log = recordingLog();
    expect(await recordAudit(world.services, withStorageField, log)).toBe('recorded');
    const [record] = await world.services.audit.all(event.taskId);
    // The record's own recordedAt is when the writer stored it, not what the message carried.
    expect(record!.recordedAt).toBe(world.clock.now().toISOString());
    expect(record!.hash).toBe(event.hash);
  });
});
