import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { QUEUES, SERVICE_BUS_DELIVERY, TOPICS } from '../../../shared/config/entities.js';
import { SETTING } from '../../../shared/config/settings.js';
import { runConsumer, type ConsumerContext, type ConsumerSpec } from '../../../shared/consumers/register-consumer.js';
import type { TaskDocument } from '../../../shared/domain/task-document.js';
import { recordEvent } from '../../../shared/domain/task-events.js';
import { newTaskDocument } from '../../../shared/domain/task-rules.js';
import { PoisonMessageError } from '../../../shared/errors/poison-message-error.js';
import { taskEventSchema, type TaskEvent } from '../../../shared/schemas/event.js';
import { overdueCandidateSchema, type OverdueCandidate } from '../../../shared/schemas/overdue.js';
import { configureServices, servicesForProcess } from '../../../shared/services.js';
import { recordAudit } from '../../../shared/use-cases/record-audit.js';
import { fakeInvocation, INVOCATION_TRACEPARENT, newTaskInput } from './fixtures.js';
import { RecordingMessaging } from './harness.js';

/**
 * runConsumer resolves this process's services (servicesForProcess), which are built once from the
 * app settings in process.env and the configured overrides. The settings here point at nothing:
 * no handler in this file touches the database.
 */
const SETTINGS: Record<string, string> = {
  [SETTING.cosmosEndpoint]: 'http://127.0.0.1:9/unused-cosmos',
  [SETTING.cosmosKey]: 'dW51c2VkLWtleQ==',
  [SETTING.authIssuer]: 'http://127.0.0.1:9/unused-issuer',
  [SETTING.authAudience]: 'api://caseload-consumer-tests',
  [SETTING.authJwksUri]: 'http://127.0.0.1:9/unused-issuer/jwks',
  [SETTING.cursorKeys]: Buffer.alloc(32, 7).toString('base64'),
};
const savedEnv: Record<string, string | undefined> = {};
const messaging = new RecordingMessaging();
const FIXED_NOW = new Date('2030-03-01T12:00:00.000Z');

beforeAll(() => {
  for (const [name, value] of Object.entries(SETTINGS)) {
    savedEnv[name] = process.env[name];
    process.env[name] = value;
  }
  configureServices({
    messaging,
    now: () => new Date(FIXED_NOW),
    tokenVerifier: {
      async verify() {
        throw new Error('no token is verified by a consumer');
      },
    },
  });
});

afterAll(() => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const TRACEPARENT = '00-55555555555555555555555555555555-6666666666666666-01';
const TASK_ID = '9d7c5a36-0c1f-4b7e-8a3e-3c1d2b4a5f60';

/** A consumer of the overdue-tasks queue whose handler keeps what it was given, or fails as told. */
function overdueConsumer(fail?: unknown) {
  const received: ConsumerContext<OverdueCandidate>[] = [];
  const spec: ConsumerSpec<OverdueCandidate> = {
    name: 'overdue-worker',
    from: { queue: QUEUES.overdueTasks.name },
    message: overdueCandidateSchema,
    async handler(context) {
      received.push(context);
      if (fail !== undefined) throw fail;
    },
  };
  return { spec, received };
}

const candidate: OverdueCandidate = { taskId: TASK_ID, dueDate: '2030-02-01T09:00:00.000Z' };

/** Rejects with the error runConsumer throws. */
async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected runConsumer to throw');
}

describe('runConsumer: a valid message', () => {
  it('hands the handler the parsed message, the correlation id, the traceparent and the delivery count', async () => {
    const { spec, received } = overdueConsumer();
    const invocation = fakeInvocation({
      messageId: 'overdue:x',
      deliveryCount: 3,
      correlationId: 'request-correlation',
      applicationProperties: { traceparent: TRACEPARENT, 'Diagnostic-Id': INVOCATION_TRACEPARENT },
    });

    await runConsumer(spec, JSON.stringify(candidate), invocation);

    expect(received).toHaveLength(1);
    const context = received[0]!;
    expect(context.message).toEqual(candidate);
    expect(context.correlationId).toBe('request-correlation');
    expect(context.traceparent).toBe(TRACEPARENT);
    expect(context.deliveryCount).toBe(3);
    expect(context.invocation).toBe(invocation);
    // The configured messaging, behind the tracing every send goes through.
    await context.services.messaging.send('overdue-tasks', [{ messageId: 'through-the-configured-port', body: {} }]);
    expect(messaging.sent.at(-1)?.message.messageId).toBe('through-the-configured-port');
    expect(context.services.now()).toEqual(FIXED_NOW);
    expect(invocation.calls).toEqual({ log: [], warn: [], error: [] });
  });

  it('takes a body the trigger already parsed, and gives the handler what the schema makes of it', async () => {
    const { spec, received } = overdueConsumer();
    await runConsumer(spec, { ...candidate, unexpected: 'dropped by the schema' }, fakeInvocation({ deliveryCount: 1 }));
    expect(received[0]!.message).toEqual(candidate);
  });

  it('falls back to the invocation id for the correlation id, and to Diagnostic-Id, then the invocation, for the trace', async () => {
    const { spec, received } = overdueConsumer();
    await runConsumer(spec, candidate, fakeInvocation({ deliveryCount: 2, applicationProperties: { 'Diagnostic-Id': TRACEPARENT } }));
    await runConsumer(spec, candidate, fakeInvocation({ deliveryCount: 2, correlationId: '', applicationProperties: {} }));
    await runConsumer(spec, candidate, fakeInvocation(undefined, null));

    expect(received.map((context) => [context.correlationId, context.traceparent, context.deliveryCount])).toEqual([
      ['invocation-42', TRACEPARENT, 2],
      ['invocation-42', INVOCATION_TRACEPARENT, 2],
      ['invocation-42', undefined, 1],
    ]);
  });

  it('reads Diagnostic-Id under the name the library gives it (diagnostic-Id), and continues the host\'s span when the host already parented it on the message', async () => {
    const { spec, received } = overdueConsumer();
    const sendSpan = '00-55555555555555555555555555555555-9999999999999999-01';
    const hostSpan = '00-55555555555555555555555555555555-aaaaaaaaaaaaaaaa-01';
    // As the Node library hands application properties over: first letter lower-cased.
    await runConsumer(spec, candidate, fakeInvocation({ deliveryCount: 1, applicationProperties: { 'diagnostic-Id': TRACEPARENT } }));
    // The host's invocation span is a child of the send (same trace): the app's work hangs under it.
    await runConsumer(spec, candidate, fakeInvocation({ deliveryCount: 1, applicationProperties: { 'diagnostic-Id': sendSpan, traceparent: sendSpan } }, hostSpan));
    expect(received.map((context) => context.traceparent)).toEqual([TRACEPARENT, hostSpan]);
  });

  it('builds the services once for the process; they can no longer be reconfigured', async () => {
    const { spec, received } = overdueConsumer();
    await runConsumer(spec, candidate, fakeInvocation({ deliveryCount: 1 }));
    await runConsumer(spec, candidate, fakeInvocation({ deliveryCount: 1 }));
    expect(received[0]!.services).toBe(received[1]!.services);
    expect(received[0]!.services).toBe(servicesForProcess());
    expect(received[0]!.services.settings.auth.audience).toBe('api://caseload-consumer-tests');
    expect(() => configureServices({ messaging: new RecordingMessaging() })).toThrow('configureServices() must run before the first invocation');
  });
});

describe('runConsumer: poison messages', () => {
  it('refuses a string body that is not JSON, logging it as poison, without calling the handler', async () => {
    const { spec, received } = overdueConsumer();
    const invocation = fakeInvocation({ messageId: 'm-1', deliveryCount: 1 });

    const error = await failureOf(runConsumer(spec, '{"taskId": ', invocation));

    expect(error).toBeInstanceOf(PoisonMessageError);
    expect((error as Error).message).toBe('the body is not JSON');
    expect(received).toEqual([]);
    expect(invocation.calls.error).toEqual([[`overdue-worker: poison message m-1, delivery 1 of ${SERVICE_BUS_DELIVERY.maxDeliveryCount}: the body is not JSON`]]);
    expect(String(invocation.calls.error[0]![0])).toContain('poison');
    expect(invocation.calls.warn).toEqual([]);
  });

  it('refuses a body that does not match the schema, naming the field', async () => {
    const { spec, received } = overdueConsumer();
    const invalid = fakeInvocation({ messageId: 'm-2', deliveryCount: 4 });
    const missing = fakeInvocation({ messageId: 'm-3', deliveryCount: 1 });

    const wrongType = await failureOf(runConsumer(spec, JSON.stringify({ taskId: 'not-a-uuid', dueDate: candidate.dueDate }), invalid));
    const absent = await failureOf(runConsumer(spec, { taskId: TASK_ID }, missing));

    expect(wrongType).toBeInstanceOf(PoisonMessageError);
    expect((wrongType as Error).message).toMatch(/^the body does not match its schema: taskId \S/);
    expect((wrongType as Error).message).not.toContain('dueDate');
    expect(absent).toBeInstanceOf(PoisonMessageError);
    expect((absent as Error).message).toBe('the body does not match its schema: dueDate is required');
    expect(received).toEqual([]);
    expect(invalid.calls.error).toEqual([[`overdue-worker: poison message m-2, delivery 4 of 10: ${(wrongType as Error).message}`]]);
    expect(missing.calls.error).toEqual([['overdue-worker: poison message m-3, delivery 1 of 10: the body does not match its schema: dueDate is required']]);
  });

  it('refuses JSON that is not an object at all', async () => {
    const { spec } = overdueConsumer();
    const invocation = fakeInvocation();
    const error = await failureOf(runConsumer(spec, 'null', invocation));
    expect(error).toBeInstanceOf(PoisonMessageError);
    expect((error as Error).message).toMatch(/^the body does not match its schema: \(root\) /);
    expect(invocation.calls.error).toEqual([[`overdue-worker: poison message unknown, delivery 1 of 10: ${(error as Error).message}`]]);
  });

  it('logs a PoisonMessageError thrown by the handler (a tampered audit event) as poison and rethrows it', async () => {
    const spec: ConsumerSpec<TaskEvent> = {
      name: 'audit-writer',
      from: { topic: TOPICS.taskEvents.name, subscription: TOPICS.taskEvents.subscriptions.audit },
      message: taskEventSchema,
      handler: ({ services, message, invocation }) => recordAudit(services, message, invocation).then(() => undefined),
    };
    const now = new Date('2030-01-01T09:00:00.000Z');
    const document: TaskDocument = newTaskDocument(newTaskInput(), { id: TASK_ID, createdBy: 'someone', assignee: null, now });
    const event = recordEvent(null, document, { eventId: 'f3c1e7a2-5b6d-4c8e-9f0a-1b2c3d4e5f60', actor: { userId: 'someone', name: null }, correlationId: 'c', now })
      .pendingEvents[0]!;
    const tampered = { ...event, jurisdiction: 'CIVIL' };
    const invocation = fakeInvocation({ messageId: event.id, deliveryCount: 1 });

    const error = await failureOf(runConsumer(spec, JSON.stringify(tampered), invocation));

    expect(error).toBeInstanceOf(PoisonMessageError);
    expect(invocation.calls.error).toEqual([[`audit-writer: poison message ${event.id}, delivery 1 of 10: event ${event.id} does not match its hash`]]);
    expect(invocation.calls.warn).toEqual([]);
    expect(invocation.calls.log).toEqual([]);
  });
});

describe('runConsumer: transient failures', () => {
  it('rethrows a plain error from the handler for a retry, logged as a warning', async () => {
    const failure = new Error('database unavailable');
    const { spec, received } = overdueConsumer(failure);
    const invocation = fakeInvocation({ messageId: 'm-9', deliveryCount: 2 });

    const error = await failureOf(runConsumer(spec, candidate, invocation));

    expect(error).toBe(failure);
    expect(received).toHaveLength(1);
    expect(invocation.calls.warn).toEqual([['overdue-worker: message m-9, delivery 2 of 10 failed and will be retried: database unavailable']]);
    expect(String(invocation.calls.warn[0]![0])).toContain('will be retried');
    expect(invocation.calls.error).toEqual([]);
  });

  it('rethrows on the last delivery too (Service Bus dead-letters it then), and describes a thrown non-Error', async () => {
    const { spec } = overdueConsumer('a string was thrown');
    const invocation = fakeInvocation({ messageId: 'm-10', deliveryCount: SERVICE_BUS_DELIVERY.maxDeliveryCount });

    const error = await failureOf(runConsumer(spec, candidate, invocation));

    expect(error).toBe('a string was thrown');
    // The last delivery says what happens next: the dead-letter queue, not another retry.
    expect(invocation.calls.error).toHaveLength(1);
    expect(String(invocation.calls.error[0]![0])).toMatch(/^overdue-worker: message m-10, delivery 10 of 10 failed on its last delivery and will be dead-lettered: a string was thrown$/);
    expect(invocation.calls.warn).toEqual([]);
  });

  it('refuses a value outside what the schema allows (a negative chunk number) as poison', async () => {
    const spec: ConsumerSpec<{ chunk: number }> = {
      name: 'chunk-worker',
      from: { queue: QUEUES.operations.name },
      message: z.object({ chunk: z.number().int().nonnegative() }),
      handler: async () => undefined,
    };
    const invocation = fakeInvocation({ messageId: 'op:1', deliveryCount: 1 });
    const error = await failureOf(runConsumer(spec, { chunk: -1 }, invocation));
    expect(error).toBeInstanceOf(PoisonMessageError);
    expect((error as Error).message).toMatch(/^the body does not match its schema: chunk /);
  });
});
