import { ServiceBusAdministrationClient, ServiceBusClient, type ServiceBusReceivedMessage, type ServiceBusSender } from '@azure/service-bus';
import type { TokenCredential } from '@azure/identity';
import { DEAD_LETTER_SOURCES, type DeadLetterSourceName } from '../config/entities.js';
import { messageFields, replayMessageId, type DeadLetteredMessage, type EntityCounts, type Messaging, type OutgoingMessage, type SendOptions } from './messaging.js';

/**
 * The SDK's retries. They never run on a caller's time: the publish after a write in a request
 * has its own budget (shared/events/publish-budget.ts) and aborts the send when it runs out, so
 * these govern only background senders (the outbox relay, the overdue scan, the dispatch relay).
 * Each attempt may take 5 s (a healthy send takes milliseconds; opening a link on a cold instance
 * about a second), and at most 3 attempts with 0.5 s then 1 s between them make a worst case of
 * about 16.5 s, so a run of the outbox relay (every 30 s) that meets a hanging namespace ends
 * before the next one is due. (The SDK default is 4 attempts of 60 s each.)
 */
export const SERVICE_BUS_RETRY_OPTIONS = {
  maxRetries: 2,
  timeoutInMs: 5_000,
  retryDelayInMs: 500,
  maxRetryDelayInMs: 2_000,
} as const;

/**
 * Service Bus through the official SDK, authenticated with the function app's managed identity
 * (the namespace has local/SAS auth disabled). Senders are cached per entity: creating one opens
 * an AMQP link, which is far more expensive than a send.
 */
export class ServiceBusMessaging implements Messaging {
  private readonly client: ServiceBusClient;
  private readonly senders = new Map<string, ServiceBusSender>();
  private readonly fullyQualifiedNamespace: string;
  private readonly credential: TokenCredential;
  private administration: ServiceBusAdministrationClient | undefined;

  constructor(fullyQualifiedNamespace: string, credential: TokenCredential) {
    this.client = new ServiceBusClient(fullyQualifiedNamespace, credential, { retryOptions: SERVICE_BUS_RETRY_OPTIONS });
    this.fullyQualifiedNamespace = fullyQualifiedNamespace;
    this.credential = credential;
  }

  private sender(entity: string): ServiceBusSender {
    let sender = this.senders.get(entity);
    if (!sender) {
      sender = this.client.createSender(entity);
      this.senders.set(entity, sender);
    }
    return sender;
  }

  async send(entity: string, messages: readonly OutgoingMessage[], options: SendOptions = {}): Promise<void> {
    if (messages.length === 0) return;
    const sender = this.sender(entity);
    const scheduled = messages.filter((message) => message.scheduledEnqueueTimeUtc);
    const immediate = messages.filter((message) => !message.scheduledEnqueueTimeUtc);
    const { abortSignal } = options;
    await sendInBatches(sender, immediate, abortSignal);
    for (const message of scheduled) {
      await sender.scheduleMessages(toServiceBusMessage(message), message.scheduledEnqueueTimeUtc!, { abortSignal });
    }
  }

  private deadLetterReceiver(source: DeadLetterSourceName) {
    const definition = DEAD_LETTER_SOURCES[source];
    return 'queue' in definition
      ? this.client.createReceiver(definition.queue, { subQueueType: 'deadLetter' })
      : this.client.createReceiver(definition.topic, definition.subscription, { subQueueType: 'deadLetter' });
  }

  async peekDeadLetters(source: DeadLetterSourceName, max: number): Promise<DeadLetteredMessage[]> {
    const receiver = this.deadLetterReceiver(source);
    try {
      return (await receiver.peekMessages(max)).map(fromReceived);
    } finally {
      await receiver.close();
    }
  }

  async replayDeadLetters(source: DeadLetterSourceName, max: number): Promise<{ replayed: number; messageIds: string[] }> {
    const receiver = this.deadLetterReceiver(source);
    const sender = this.sender(DEAD_LETTER_SOURCES[source].replayTo);
    const messageIds: string[] = [];
    try {
      while (messageIds.length < max) {
        const batch = await receiver.receiveMessages(Math.min(50, max - messageIds.length), { maxWaitTimeInMs: 2000 });
        if (batch.length === 0) break;
        for (const message of batch) {
          const original = String(message.messageId);
          // Send first, then complete: a crash in between leaves the message in the DLQ, and the
          // next replay's send carries the same messageId, so Service Bus drops it as a duplicate.
          await sender.sendMessages({
            ...toServiceBusMessage({
              messageId: replayMessageId(original),
              body: message.body,
              subject: message.subject,
              correlationId: message.correlationId === undefined ? undefined : String(message.correlationId),
              applicationProperties: { ...(message.applicationProperties as Record<string, string | number | boolean>), replayOf: original },
            }),
          });
          await receiver.completeMessage(message);
          messageIds.push(original);
        }
      }
      return { replayed: messageIds.length, messageIds };
    } finally {
      await receiver.close();
    }
  }

  async checkHealth(): Promise<void> {
    // Opening a link and creating a batch round-trips to the namespace without sending anything.
    const sender = this.client.createSender(DEAD_LETTER_SOURCES.audit.replayTo);
    try {
      await sender.createMessageBatch();
    } finally {
      await sender.close();
    }
  }

  /**
   * Runtime properties through the namespace's management endpoint (ServiceBusAdministrationClient,
   * HTTPS). Reading them needs the Manage right on the entity, which among the built-in roles only
   * Azure Service Bus Data Owner grants; Bicep assigns it on exactly these queues and subscriptions
   * (docs/observability.md, "Reading Service Bus runtime properties").
   */
  async entityCounts(): Promise<EntityCounts[]> {
    this.administration ??= new ServiceBusAdministrationClient(this.fullyQualifiedNamespace, this.credential);
    const administration = this.administration;
    return Promise.all(
      (Object.keys(DEAD_LETTER_SOURCES) as DeadLetterSourceName[]).map(async (entity): Promise<EntityCounts> => {
        const definition = DEAD_LETTER_SOURCES[entity];
        const properties =
          'queue' in definition
            ? await administration.getQueueRuntimeProperties(definition.queue)
            : await administration.getSubscriptionRuntimeProperties(definition.topic, definition.subscription);
        return {
          entity,
          path: 'queue' in definition ? definition.queue : `${definition.topic}/subscriptions/${definition.subscription}`,
          active: properties.activeMessageCount,
          // Subscriptions report none: a message scheduled on a topic waits on the topic until it is due.
          scheduled: 'scheduledMessageCount' in properties ? properties.scheduledMessageCount : null,
          deadLettered: properties.deadLetterMessageCount,
        };
      }),
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.senders.values()].map((sender) => sender.close()));
    await this.client.close();
  }
}

const toServiceBusMessage = messageFields;

/**
 * Sends messages in as many batches as the namespace's size limit needs (256 KB per batch on
 * Standard, 1 MB on Premium): `sendMessages(array)` puts the whole array in one batch and fails
 * with MessageSizeExceeded when it does not fit, which would block an outbox or a scan for good.
 * The batch asks the link for the real limit. Order is kept; a message too big on its own fails.
 */
async function sendInBatches(sender: ServiceBusSender, messages: readonly OutgoingMessage[], abortSignal?: AbortSignal): Promise<void> {
  let batch = await sender.createMessageBatch({ abortSignal });
  for (const message of messages) {
    if (batch.tryAddMessage(toServiceBusMessage(message))) continue;
    if (batch.count === 0) throw new Error(`message ${message.messageId} is larger than a Service Bus batch may be (${batch.maxSizeInBytes} bytes)`);
    await sender.sendMessages(batch, { abortSignal });
    batch = await sender.createMessageBatch({ abortSignal });
    if (!batch.tryAddMessage(toServiceBusMessage(message))) {
      throw new Error(`message ${message.messageId} is larger than a Service Bus batch may be (${batch.maxSizeInBytes} bytes)`);
    }
  }
  if (batch.count > 0) await sender.sendMessages(batch, { abortSignal });
}

function fromReceived(message: ServiceBusReceivedMessage): DeadLetteredMessage {
  return {
    messageId: String(message.messageId),
    sequenceNumber: message.sequenceNumber?.toString() ?? '',
    subject: message.subject ?? null,
    correlationId: message.correlationId === undefined ? null : String(message.correlationId),
    body: message.body,
    deliveryCount: message.deliveryCount ?? 0,
    enqueuedTimeUtc: message.enqueuedTimeUtc?.toISOString() ?? null,
    deadLetterReason: message.deadLetterReason ?? null,
    deadLetterErrorDescription: message.deadLetterErrorDescription ?? null,
    applicationProperties: message.applicationProperties ?? {},
  };
}
