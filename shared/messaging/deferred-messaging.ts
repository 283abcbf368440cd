import type { Messaging } from './messaging.js';

/**
 * A Messaging adapter that is created on first use. The Service Bus SDK (with its AMQP stack) then
 * loads when the first message is sent, not when the worker loads the app, so HTTP functions that
 * never publish do not pay for it at cold start.
 */
export function deferredMessaging(create: () => Promise<Messaging>): Messaging {
  let adapter: Promise<Messaging> | undefined;
  const get = (): Promise<Messaging> => (adapter ??= create());
  return {
    send: async (entity, messages, options) => (await get()).send(entity, messages, options),
    peekDeadLetters: async (source, max) => (await get()).peekDeadLetters(source, max),
    replayDeadLetters: async (source, max) => (await get()).replayDeadLetters(source, max),
    checkHealth: async () => (await get()).checkHealth(),
    entityCounts: async () => (await get()).entityCounts(),
    // Nothing to close when it was never opened.
    close: async () => (adapter ? (await adapter).close() : undefined),
  };
}
