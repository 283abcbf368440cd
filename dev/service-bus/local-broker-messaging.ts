import { DEAD_LETTER_SOURCES, type DeadLetterSourceName } from '../../shared/config/entities.js';
import { messageFields, replayMessageId, type DeadLetteredMessage, type EntityCounts, type Messaging, type OutgoingMessage, type SendOptions } from '../../shared/messaging/messaging.js';

import { approximateSize, MAX_BATCH_MESSAGES, MAX_MESSAGE_BYTES, parseMessage } from './validate.js';

/** Per call to the broker; a caller's abort signal (the publish budget) can end it sooner. */
const TIMEOUT_MS = 5000;

/** The dead-letter path of a source, as the local broker names entities. */
function entityPath(source: DeadLetterSourceName): string {
  const definition = DEAD_LETTER_SOURCES[source];
  return 'queue' in definition ? definition.queue : `${definition.topic}/subscriptions/${definition.subscription}`;
}

/**
 * The local host's embedded broker (dev/service-bus), reached over its admin HTTP API. It stands
 * in for Service Bus where no namespace exists; the SDK cannot be pointed at it because it does
 * not speak AMQP. Same semantics the app relies on: duplicate detection, dead-lettering, replay.
 */
export class LocalBrokerMessaging implements Messaging {
  constructor(private readonly baseUrl: string) {}

  private async request(method: string, path: string, body?: unknown, abortSignal?: AbortSignal): Promise<Response> {
    const timeout = AbortSignal.timeout(TIMEOUT_MS);
    const response = await fetch(`${this.baseUrl.replace(/\/+$/, '')}/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: abortSignal ? AbortSignal.any([timeout, abortSignal]) : timeout,
    });
    if (!response.ok && response.status !== 404) {
      throw new Error(`local broker ${method} ${path} answered ${response.status}`);
    }
    return response;
  }

  /** Like the SDK adapter, in as many sends as the broker's batch limits (count and bytes) need. */
  async send(entity: string, messages: readonly OutgoingMessage[], options: SendOptions = {}): Promise<void> {
    for (const batch of sendBatches(messages)) {
      const response = await this.request('POST', `${encodeURIComponent(entity)}/messages`, { messages: batch }, options.abortSignal);
      if (response.status === 404) throw new Error(`local broker has no entity ${entity}`);
    }
  }

  async peekDeadLetters(source: DeadLetterSourceName, max: number): Promise<DeadLetteredMessage[]> {
    const response = await this.request('GET', `${entityPath(source)}/dead-letters?max=${max}`);
    const { messages } = (await response.json()) as { messages: (DeadLetteredMessage & { sequenceNumber: string | number })[] };
    return messages.map((message) => ({
      messageId: message.messageId,
      sequenceNumber: String(message.sequenceNumber),
      subject: message.subject ?? null,
      correlationId: message.correlationId ?? null,
      body: message.body,
      deliveryCount: message.deliveryCount,
      enqueuedTimeUtc: message.enqueuedTimeUtc ?? null,
      deadLetterReason: message.deadLetterReason ?? null,
      deadLetterErrorDescription: message.deadLetterErrorDescription ?? null,
      applicationProperties: message.applicationProperties ?? {},
    }));
  }

  async replayDeadLetters(source: DeadLetterSourceName, max: number): Promise<{ replayed: number; messageIds: string[] }> {
    const messages = await this.peekDeadLetters(source, max);
    const target = DEAD_LETTER_SOURCES[source].replayTo;
    const messageIds: string[] = [];
    for (const message of messages) {
      // Send first, then remove: see Messaging.replayDeadLetters.
      await this.send(target, [
        {
          messageId: replayMessageId(message.messageId),
          body: message.body,
          subject: message.subject ?? undefined,
          correlationId: message.correlationId ?? undefined,
          applicationProperties: {
            ...(message.applicationProperties as Record<string, string | number | boolean>),
            replayOf: message.messageId,
          },
        },
      ]);
      await this.request('DELETE', `${entityPath(source)}/dead-letters/${encodeURIComponent(message.sequenceNumber)}`);
      messageIds.push(message.messageId);
    }
    return { replayed: messageIds.length, messageIds };
  }

  async checkHealth(): Promise<void> {
    const response = await fetch(this.baseUrl, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!response.ok) throw new Error(`local broker answered ${response.status}`);
  }

  /** The broker's stats, in Service Bus' terms: its active count includes the messages being processed. */
  async entityCounts(): Promise<EntityCounts[]> {
    const response = await this.request('GET', '');
    const { entities } = (await response.json()) as { entities: Record<string, { active: number; scheduled: number; locked: number; deadLettered: number }> };
    return (Object.keys(DEAD_LETTER_SOURCES) as DeadLetterSourceName[]).map((entity) => {
      const path = entityPath(entity);
      const stats = entities[path] ?? { active: 0, scheduled: 0, locked: 0, deadLettered: 0 };
      return { entity, path, active: stats.active + stats.locked, scheduled: stats.scheduled, deadLettered: stats.deadLettered };
    });
  }

  async close(): Promise<void> {}
}

type WireMessage = ReturnType<typeof messageFields> & { scheduledEnqueueTimeUtc: string | undefined };

/** Groups messages, in order, into batches within MAX_BATCH_MESSAGES and MAX_MESSAGE_BYTES (sized as the broker sizes them). */
export function sendBatches(messages: readonly OutgoingMessage[]): WireMessage[][] {
  const batches: WireMessage[][] = [];
  let current: WireMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const wire = { ...messageFields(message), scheduledEnqueueTimeUtc: message.scheduledEnqueueTimeUtc?.toISOString() };
    const size = approximateSize(parseMessage(wire, 'message'));
    if (current.length > 0 && (current.length >= MAX_BATCH_MESSAGES || bytes + size > MAX_MESSAGE_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(wire);
    bytes += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
