import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHost, fixturesDir, type RunningHost, startHost } from './host-process.js';

/**
 * The generic invocation path a message broker will use: RPC trigger data and trigger metadata in,
 * the function's outputs (extra outputs and bound return values) back.
 */

interface Result {
  invocationId: string;
  outputs: Array<{ name: string; binding: Record<string, unknown>; value: unknown }>;
  returnValue: unknown;
}

let host: RunningHost;
let cleanup: () => void;

beforeAll(async () => {
  const build = buildHost();
  cleanup = build.cleanup;
  host = await startHost({ hostEntry: build.entry, projectDir: join(fixturesDir, 'app'), env: { FIXTURE_QUEUE: 'work' }, flags: ['--no-timers'] });
}, 30_000);

afterAll(async () => {
  await host?.stop();
  cleanup?.();
});

describe('invokeFunction', () => {
  it('passes trigger data and camel-cased trigger metadata, and returns every output with its binding', async () => {
    const reply = await host.call('invoke', {
      name: 'sb-worker',
      request: {
        triggerData: { json: JSON.stringify({ taskId: 't-1' }) },
        triggerMetadata: { MessageId: { string: 'm-1' }, DeliveryCount: { int: 3 } },
        invocationId: 'fixed-invocation-id',
      },
    });
    expect(reply.ok).toBe(true);
    const result = reply.result as Result;
    expect(result.invocationId).toBe('fixed-invocation-id');
    const byTarget = Object.fromEntries(result.outputs.map((output) => [String(output.binding['queueName'] ?? output.binding['topicName']), output]));
    expect(byTarget['done']).toMatchObject({ name: '$return', binding: { type: 'serviceBus', direction: 'out' }, value: { done: true, deliveryCount: 3 } });
    expect(byTarget['task-events']).toMatchObject({ binding: { type: 'serviceBus', direction: 'out' }, value: { seen: { taskId: 't-1' }, messageId: 'm-1' } });
    expect(result.outputs).toHaveLength(2);
    expect(result.returnValue).toEqual({ done: true, deliveryCount: 3 });
  });

  it('fails the invocation when inputData names a binding the function does not have', async () => {
    const reply = await host.call('invoke', { name: 'sb-plain', request: { inputData: [{ name: 'noSuchBinding', data: { string: 'x' } }] } });
    expect(reply.ok).toBe(false);
    expect(reply.error?.message).toMatch(/noSuchBinding/);
  });

  it('reports an unbound return value as returnValue only', async () => {
    const reply = await host.call('runFunction', { name: 'sb-plain', input: 'hello' });
    expect(reply.ok).toBe(true);
    expect(reply.result).toMatchObject({ outputs: [], returnValue: 'unbound return' });
  });

  it('rejects with FunctionInvocationError carrying the invocation id when the function throws', async () => {
    const reply = await host.call('runFunction', { name: 'sb-failing', input: 'x' });
    expect(reply.ok).toBe(false);
    expect(reply.error).toMatchObject({ name: 'FunctionInvocationError', message: expect.stringContaining('handler failed') });
    expect(reply.error?.invocationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses unknown functions and HTTP functions in runFunction', async () => {
    expect((await host.call('runFunction', { name: 'nope' })).error).toMatchObject({ name: 'UnknownFunctionError' });
    expect((await host.call('runFunction', { name: 'tasks-get' })).error).toMatchObject({ name: 'NotInvocableError' });
  });

  it('returns timer runs through runFunction too', async () => {
    const reply = await host.call('runFunction', { name: 'manual-timer' });
    expect(reply.ok).toBe(true);
    expect((reply.result as Result).invocationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('describes captured functions with trigger, route, methods, schedule and raw metadata', () => {
    const byName = Object.fromEntries(host.functions.map((fn) => [fn['name'], fn]));
    expect(byName['tasks-get']).toMatchObject({ trigger: 'httpTrigger', route: 'v1/tasks/{id}', methods: ['GET'] });
    expect(byName['default-route']).toMatchObject({ trigger: 'httpTrigger', methods: ['GET'] });
    expect(byName['default-route']?.['route']).toBeUndefined();
    expect(byName['startup-timer']).toMatchObject({ trigger: 'timerTrigger', schedule: '0 0 0 1 1 *', runOnStartup: true });
    expect(byName['sb-worker']).toMatchObject({
      trigger: 'serviceBusTrigger',
      metadata: { name: 'sb-worker' },
    });
    const bindings = Object.values((byName['sb-worker']?.['metadata'] as { bindings: Record<string, Record<string, unknown>> }).bindings);
    expect(bindings.find((binding) => binding['direction'] === 'in')).toMatchObject({ type: 'serviceBusTrigger', queueName: '%FIXTURE_QUEUE%' });
  });
});
