import type { OutgoingMessage } from '../messaging/messaging.js';
import type { TaskEvent } from '../schemas/event.js';

/**
 * A task event as a Service Bus message. messageId is the event id, so a republished event is
 * dropped by duplicate detection; the correlation id and W3C traceparent travel as properties so
 * consumers' telemetry joins the request that caused the event.
 */
export function eventMessage(event: TaskEvent, traceparent?: string): OutgoingMessage {
  return {
    messageId: event.id,
    body: event,
    subject: event.type,
    correlationId: event.correlationId,
    applicationProperties: {
      eventType: event.type,
      schemaVersion: event.schemaVersion,
      taskId: event.taskId,
      jurisdiction: event.jurisdiction,
      sequence: event.sequence,
      correlationId: event.correlationId,
      ...(traceparent ? { traceparent } : {}),
    },
  };
}
