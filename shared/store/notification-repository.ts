import type { Container, Database } from '@azure/cosmos';
import { CONTAINERS } from '../config/entities.js';
import type { NotificationRecord } from '../schemas/notification.js';
import { splitSystemProperties, type SystemProperties } from './cosmos-document.js';
import { isConflict, withCosmosErrors } from './cosmos-errors.js';

/** A ledger document with the Cosmos `_etag` it was read at, for a conditioned replace. */
export interface StoredNotification {
  document: NotificationRecord;
  cosmosEtag: string;
}

/**
 * The notification ledger (container `notifications`, docs/notifications.md): one document per
 * email, id = `<kind>:<source>:<recipient>`. Point reads and conditioned writes, so two deliveries
 * racing for one email cannot both send it.
 */
export class NotificationRepository {
  private readonly container: Container;

  constructor(database: Database) {
    this.container = database.container(CONTAINERS.notifications.name);
  }

  async get(id: string): Promise<StoredNotification | undefined> {
    return withCosmosErrors(async () => {
      const { resource } = await this.container.item(id, id).read<NotificationRecord & SystemProperties>();
      return resource ? splitSystemProperties<NotificationRecord>(resource) : undefined;
    });
  }

  /** Creates the record; undefined when one with this id exists already (someone else got there first). */
  async create(record: NotificationRecord): Promise<StoredNotification | undefined> {
    return withCosmosErrors(async () => {
      try {
        const { resource } = await this.container.items.create(record);
        return splitSystemProperties<NotificationRecord>(resource as NotificationRecord & SystemProperties);
      } catch (error) {
        if (isConflict(error)) return undefined;
        throw error;
      }
    });
  }

  /** Replaces the record only if it is still at `expected` (else a preconditionFailed AppError). */
  async replace(record: NotificationRecord, expected: StoredNotification): Promise<StoredNotification> {
    return withCosmosErrors(async () => {
      const { resource } = await this.container
        .item(record.id, record.id)
        .replace(record, { accessCondition: { type: 'IfMatch', condition: expected.cosmosEtag } });
      return splitSystemProperties<NotificationRecord>(resource as NotificationRecord & SystemProperties);
    });
  }

  /** How many ledger entries reached a status since a time (sent: by when Notify accepted them; else by their last change). */
  async countSince(status: NotificationRecord['status'], since: string): Promise<number> {
    const time = status === 'sent' ? 'sentAt' : 'updatedAt';
    return withCosmosErrors(async () => {
      const { resources } = await this.container.items
        .query<number>({
          query: `SELECT VALUE COUNT(1) FROM c WHERE c.docType = 'notification' AND c.status = @status AND c.${time} >= @since`,
          parameters: [
            { name: '@status', value: status },
            { name: '@since', value: since },
          ],
        })
        .fetchAll();
      return resources[0] ?? 0;
    });
  }

  /** Where a manager's last digest ended (whatever its status): the next one starts there. */
  async lastDigestWindowEnd(managerId: string): Promise<string | undefined> {
    return withCosmosErrors(async () => {
      const { resources } = await this.container.items
        .query<string>({
          query: "SELECT TOP 1 VALUE c.windowEnd FROM c WHERE c.docType = 'notification' AND c.kind = 'overdueDigest' AND c.recipientId = @manager ORDER BY c.windowEnd DESC",
          parameters: [{ name: '@manager', value: managerId }],
        })
        .fetchAll();
      return resources[0];
    });
  }
}
