import { NO_EXPIRY_DEAD_LETTERING, QUEUES, TOPICS, subscriptionAccepts } from '../../shared/config/entities.js';

/**
 * The namespace's entities, read from shared/config/entities.ts (the one place names are written).
 *
 * Two views of the same namespace: *sending* entities (queues and topics: what a sender addresses
 * and what duplicate detection and sequence numbers belong to) and *receiving* entities (queues and
 * subscriptions: what holds messages, locks them and has a dead-letter queue). A queue is both.
 */

export interface SendingEntity {
  kind: 'queue' | 'topic';
  name: string;
  /** Receiving entities that get a copy of every message sent here (a topic: all its subscriptions). */
  targets: ReceivingEntity[];
}

export interface ReceivingEntity {
  kind: 'queue' | 'subscription';
  /** Service Bus entity path: `queue` or `topic/subscriptions/subscription`. Also the partition key. */
  path: string;
  /**
   * The subscription's filter (a queue takes everything): a message addressed to one subscription
   * (shared/config/entities.ts ADDRESSED_TO_PROPERTY) goes to that one only, as the SQL rule
   * Bicep gives every subscription does in Azure.
   */
  accepts(applicationProperties: Readonly<Record<string, unknown>>): boolean;
  /** False where Bicep turns expiry dead-lettering off for the entity (NO_EXPIRY_DEAD_LETTERING). */
  deadLetteringOnMessageExpiration: boolean;
}

export interface Namespace {
  sending: SendingEntity[];
  receiving: ReceivingEntity[];
  /** Names are case-insensitive in Service Bus. */
  findSending(name: string): SendingEntity | undefined;
  findReceiving(path: string): ReceivingEntity | undefined;
  findQueue(name: string): ReceivingEntity | undefined;
  findSubscription(topic: string, subscription: string): ReceivingEntity | undefined;
}

export function subscriptionPath(topic: string, subscription: string): string {
  return `${topic}/subscriptions/${subscription}`;
}

export function buildNamespace(): Namespace {
  const sending: SendingEntity[] = [];
  const receiving: ReceivingEntity[] = [];
  for (const queue of Object.values(QUEUES)) {
    const entity: ReceivingEntity = { kind: 'queue', path: queue.name, accepts: () => true, deadLetteringOnMessageExpiration: true };
    receiving.push(entity);
    sending.push({ kind: 'queue', name: queue.name, targets: [entity] });
  }
  for (const topic of Object.values(TOPICS)) {
    const targets = Object.values(topic.subscriptions).map(
      (subscription): ReceivingEntity => ({
        kind: 'subscription',
        path: subscriptionPath(topic.name, subscription),
        accepts: (properties) => subscriptionAccepts(subscription, properties),
        deadLetteringOnMessageExpiration: !NO_EXPIRY_DEAD_LETTERING.includes(subscription),
      }),
    );
    receiving.push(...targets);
    sending.push({ kind: 'topic', name: topic.name, targets });
  }

  const sendingByName = new Map(sending.map((entity) => [entity.name.toLowerCase(), entity]));
  const receivingByPath = new Map(receiving.map((entity) => [entity.path.toLowerCase(), entity]));
  return {
    sending,
    receiving,
    findSending: (name) => sendingByName.get(name.toLowerCase()),
    findReceiving: (path) => receivingByPath.get(path.toLowerCase()),
    findQueue: (name) => {
      const entity = receivingByPath.get(name.toLowerCase());
      return entity?.kind === 'queue' ? entity : undefined;
    },
    findSubscription: (topic, subscription) => receivingByPath.get(subscriptionPath(topic, subscription).toLowerCase()),
  };
}
