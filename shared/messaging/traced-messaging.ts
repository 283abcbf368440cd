import { startDependency } from '../telemetry/dependencies.js';
import { parseTraceparent } from '../telemetry/trace-context.js';
import type { Messaging, OutgoingMessage } from './messaging.js';

/**
 * The W3C trace context a Service Bus message carries as application properties, as the Azure SDKs
 * write it: `Diagnostic-Id` (what Service Bus and the Functions Service Bus extension read to parent
 * the processing of the message) and `traceparent` (the same value, for W3C propagators). Per
 * https://learn.microsoft.com/azure/service-bus-messaging/service-bus-end-to-end-tracing.
 */
export const DIAGNOSTIC_ID_PROPERTY = 'Diagnostic-Id';
export const TRACEPARENT_PROPERTY = 'traceparent';

/**
 * The Messaging port with every send traced: each message gets a send span of its own (a
 * `Queue Message` dependency), a child of the trace the message continues, and carries that span
 * in Diagnostic-Id and traceparent. What processes the message is then a child of the send, in the
 * same operation as the request that caused it, however much later it is sent (the outbox relay
 * sends an event in the trace stored with it, not in its own).
 *
 * The trace a message continues: the traceparent its sender put on it (an outbox event's stored
 * trace context), else the current invocation's.
 */
export function tracedMessaging(inner: Messaging): Messaging {
  return {
    async send(entity, messages, options) {
      const spans = messages.map((message) => startDependency(`Send ${entity}`, { type: 'servicebus', entity }, traceToContinue(message)));
      const traced = messages.map((message, index) => withTraceContext(message, spans[index]!.traceparent));
      try {
        await inner.send(entity, traced, options);
      } catch (error) {
        for (const span of spans) span.end({ success: false });
        throw error;
      }
      for (const span of spans) span.end({ success: true, properties: { messageCount: messages.length } });
    },
    peekDeadLetters: (source, max) => inner.peekDeadLetters(source, max),
    replayDeadLetters: (source, max) => inner.replayDeadLetters(source, max),
    checkHealth: () => inner.checkHealth(),
    entityCounts: () => inner.entityCounts(),
    close: () => inner.close(),
  };
}

function traceToContinue(message: OutgoingMessage): string | undefined {
  const properties = message.applicationProperties ?? {};
  const given = properties[TRACEPARENT_PROPERTY] ?? properties[DIAGNOSTIC_ID_PROPERTY];
  return parseTraceparent(given) ? String(given) : undefined;
}

function withTraceContext(message: OutgoingMessage, traceparent: string): OutgoingMessage {
  return {
    ...message,
    applicationProperties: { ...message.applicationProperties, [DIAGNOSTIC_ID_PROPERTY]: traceparent, [TRACEPARENT_PROPERTY]: traceparent },
  };
}
