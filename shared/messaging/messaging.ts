import type { DeadLetterSourceName } from '../config/entities.js';

/** A message to send, in the terms Service Bus uses. */
export interface OutgoingMessage {
  /** Service Bus drops a resend of the same id within the duplicate detection window. */
  messageId: string;
  body: unknown;
  subject?: string;
  correlationId?: string;
  applicationProperties?: Record<string, string | number | boolean>;
  scheduledEnqueueTimeUtc?: Date;
}

export interface SendOptions {
  /**
   * Stops the send (and the adapter's retries) when it fires; the send then rejects. Whether the
   * messages reached Service Bus is then unknown: callers resend with the same messageIds.
   */
  abortSignal?: AbortSignal;
}

export interface DeadLetteredMessage {
  messageId: string;
  sequenceNumber: string;
  subject: string | null;
  correlationId: string | null;
  body: unknown;
  deliveryCount: number;
  enqueuedTimeUtc: string | null;
  deadLetterReason: string | null;
  deadLetterErrorDescription: string | null;
  applicationProperties: Record<string, unknown>;
}

/** A queue's or subscription's message counts, as Service Bus reports its runtime properties. */
export interface EntityCounts {
  /** The short name operators use (`/v1/admin/dead-letters/{entity}`). */
  entity: DeadLetterSourceName;
  /** `overdue-tasks`, or `task-events/subscriptions/audit`. */
  path: string;
  /** Messages waiting or being processed (Service Bus' activeMessageCount includes the locked ones). */
  active: number;
  /**
   * Sent with a later enqueue time, not yet due. Null where Service Bus does not report it: for a
   * subscription, whose scheduled messages wait on the topic until they are due.
   */
  scheduled: number | null;
  deadLettered: number;
}

/**
 * The app's view of Service Bus: send, and operate dead-letter queues. Two adapters implement it:
 * the @azure/service-bus SDK with managed identity (Azure) and the local host's broker.
 */
export interface Messaging {
  send(entity: string, messages: readonly OutgoingMessage[], options?: SendOptions): Promise<void>;
  peekDeadLetters(source: DeadLetterSourceName, max: number): Promise<DeadLetteredMessage[]>;
  /**
   * Sends up to `max` dead-lettered messages back to where they are replayed to, removing each
   * from the dead-letter queue only after it was sent. Idempotent: the replay's messageId is
   * derived from the original, so a replay repeated after a crash is dropped as a duplicate.
   */
  replayDeadLetters(source: DeadLetterSourceName, max: number): Promise<{ replayed: number; messageIds: string[] }>;
  /** Throws when the messaging service cannot be reached. */
  checkHealth(): Promise<void>;
  /** The message counts of every queue and subscription operators look after (DEAD_LETTER_SOURCES). */
  entityCounts(): Promise<EntityCounts[]>;
  close(): Promise<void>;
}

/** The messageId of a replayed message: stable, so a repeated replay is a duplicate and dropped. */
export const replayMessageId = (originalMessageId: string): string =>
  originalMessageId.endsWith(':replay') ? originalMessageId : `${originalMessageId}:replay`;

/** The fields every transport sends for a message (bodies are always JSON in this app). */
export function messageFields(message: OutgoingMessage) {
  return {
    messageId: message.messageId,
    body: message.body,
    contentType: 'application/json',
    subject: message.subject,
    correlationId: message.correlationId,
    applicationProperties: message.applicationProperties,
  };
}
