import type { OutgoingMessage } from '../messaging/messaging.js';
import type { TaskEvent } from '../schemas/event.js';
import { TRACEPARENT_PROPERTY } from '../messaging/traced-messaging.js';

/**
 * A task event as a Service Bus message. messageId is the event id, so a republished event is
 * dropped by duplicate detection; the correlation id and the W3C trace context travel as
 * properties so consumers' telemetry joins the request that caused the event. The trace is the
 * one stored with the event (the request's), else `traceparent`; the send itself puts its own span
 * in Diagnostic-Id and traceparent (shared/messaging/traced-messaging.ts).
 */
export function eventMessage(event: TaskEvent, traceparent?: string): OutgoingMessage {
  const trace = event.traceparent ?? traceparent;
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
      ...(trace ? { [TRACEPARENT_PROPERTY]: trace } : {}),
    },
  };
}
