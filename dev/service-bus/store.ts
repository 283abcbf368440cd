import { type Container, CosmosClient, type Database } from '@azure/cosmos';
import type { StoredMessage } from './message.js';

/**
 * The broker's durable state in Cosmos (the embedded database locally), through the real client.
 *
 *   messages             partition /entity (queue or subscription path), id = sequence number:
 *                        active, scheduled and dead-lettered messages with their delivery counts
 *   duplicate-detection  partition /entity (queue or topic name), id = encoded messageId:
 *                        when each messageId was accepted, for the duplicate detection window
 *   senders              partition /id (queue or topic name): the next sequence number and the
 *                        send in progress (see broker.ts for why that makes sends crash-safe)
 *
 * Locks are deliberately not stored: after a restart a locked message is available again, as it
 * would be when its lock expired. Only this process writes these containers, so plain writes
 * (no ETag conditions) are enough; the in-memory copy in broker.ts is the reading side.
 */

export const DATABASE_ID = 'local-service-bus';
export const CONTAINER_IDS = { messages: 'messages', duplicates: 'duplicate-detection', senders: 'senders' } as const;

/** A message as recorded in a send in progress, before it is copied to each receiving entity. */
export type PendingMessage = Omit<StoredMessage, 'id' | 'entity'>;

export interface SenderDoc {
  id: string;
  nextSequenceNumber: number;
  /** Set by the write that accepts a send, cleared once its messages are stored per entity. */
  pendingSend: { acceptedAtUtc: string; messages: PendingMessage[] } | null;
}

export interface DuplicateRecord {
  id: string;
  entity: string;
  messageId: string;
  acceptedAtUtc: string;
}

export interface CosmosConnection {
  endpoint: string;
  key: string;
}

export class BrokerStore {
  private constructor(
    private readonly client: CosmosClient,
    private readonly messages: Container,
    private readonly duplicates: Container,
    private readonly senders: Container,
  ) {}

  static async open(connection: CosmosConnection): Promise<BrokerStore> {
    const client = new CosmosClient({
      endpoint: connection.endpoint,
      key: connection.key,
      // The embedded database is one plain-HTTP endpoint with no regions to discover.
      connectionPolicy: { enableEndpointDiscovery: !connection.endpoint.startsWith('http://') },
      userAgentSuffix: 'caseload-local-service-bus',
    });
    try {
      const { database } = await client.databases.createIfNotExists({ id: DATABASE_ID });
      const messages = await container(database, CONTAINER_IDS.messages, '/entity');
      const duplicates = await container(database, CONTAINER_IDS.duplicates, '/entity');
      const senders = await container(database, CONTAINER_IDS.senders, '/id');
      return new BrokerStore(client, messages, duplicates, senders);
    } catch (error) {
      client.dispose();
      throw new Error(`The local Service Bus cannot open its Cosmos database at ${connection.endpoint}: ${(error as Error).message}`, { cause: error });
    }
  }

  async loadMessages(entity: string): Promise<StoredMessage[]> {
    const { resources } = await this.messages.items
      // The embedded database ignores the partitionKey option, so the filter is in WHERE.
      .query<StoredMessage>({ query: 'SELECT * FROM c WHERE c.entity = @entity', parameters: [{ name: '@entity', value: entity }] })
      .fetchAll();
    return resources.map(withoutSystemProperties).sort((a, b) => a.sequenceNumber - b.sequenceNumber);
  }

  async loadDuplicateRecords(entity: string): Promise<DuplicateRecord[]> {
    const { resources } = await this.duplicates.items
      .query<DuplicateRecord>({ query: 'SELECT * FROM c WHERE c.entity = @entity', parameters: [{ name: '@entity', value: entity }] })
      .fetchAll();
    return resources.map(withoutSystemProperties);
  }

  async readSender(name: string): Promise<SenderDoc | undefined> {
    const { resource } = await this.senders.item(name, name).read<SenderDoc>();
    return resource ? withoutSystemProperties(resource) : undefined;
  }

  async writeSender(doc: SenderDoc): Promise<void> {
    await this.senders.items.upsert(doc);
  }

  /** Upsert: re-applying a send after a crash writes the same document again. */
  async putMessage(doc: StoredMessage): Promise<void> {
    await this.messages.items.upsert(doc);
  }

  /** Resolves false when the document was already gone. */
  async deleteMessage(entity: string, id: string): Promise<boolean> {
    try {
      await this.messages.item(id, entity).delete();
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async putDuplicateRecord(record: DuplicateRecord): Promise<void> {
    await this.duplicates.items.upsert(record);
  }

  async deleteDuplicateRecord(entity: string, id: string): Promise<void> {
    try {
      await this.duplicates.item(id, entity).delete();
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }

  close(): void {
    this.client.dispose();
  }
}

/** Cosmos ids cannot hold '/', '\\', '?' or '#'; a messageId may. base64url keeps it reversible and short enough (≤ 172 chars). */
export function duplicateRecordId(messageId: string): string {
  return Buffer.from(messageId, 'utf8').toString('base64url');
}

async function container(database: Database, id: string, partitionKeyPath: string): Promise<Container> {
  const { container: created } = await database.containers.createIfNotExists({ id, partitionKey: { paths: [partitionKeyPath] } });
  return created;
}

function withoutSystemProperties<T extends object>(doc: T): T {
  const copy = { ...doc } as Record<string, unknown>;
  for (const key of Object.keys(copy)) if (key.startsWith('_')) delete copy[key];
  return copy as unknown as T;
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 404;
}
