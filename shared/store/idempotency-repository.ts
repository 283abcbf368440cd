import type { Container, Database } from '@azure/cosmos';
import { CONTAINERS } from '../config/entities.js';
import { splitSystemProperties, type SystemProperties } from './cosmos-document.js';
import { isConflict, withCosmosErrors } from './cosmos-errors.js';

/** The first response to a request made with an Idempotency-Key, as it was sent. */
export interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  body: string | null;
}

/**
 * One Idempotency-Key of one caller. Created (a single-document create, so exactly one request
 * wins a key) before the request runs, completed with its response after.
 */
export interface IdempotencyRecord {
  /** A hash of the caller and the key: keys are scoped per caller. */
  id: string;
  /** A hash of the request (route, parameters, body): the same key with another request is refused. */
  fingerprint: string;
  state: 'inProgress' | 'completed';
  createdAt: string;
  /** After this the record counts as absent (the container's TTL removes it; the embedded database never does). */
  expiresAt: string;
  /** While in progress: after this the request is presumed dead and another may take the key over. */
  leaseUntil: string | null;
  response: RecordedResponse | null;
}

export interface StoredIdempotencyRecord {
  record: IdempotencyRecord;
  cosmosEtag: string;
}

function toStored(resource: IdempotencyRecord & SystemProperties): StoredIdempotencyRecord {
  const { document, cosmosEtag } = splitSystemProperties<IdempotencyRecord>(resource);
  return { record: document, cosmosEtag };
}

/** The `idempotency` container: point reads and conditioned writes by id, nothing else. */
export class IdempotencyRepository {
  private readonly container: Container;

  constructor(database: Database) {
    this.container = database.container(CONTAINERS.idempotency.name);
  }

  /** Creates the record; undefined when a record with its id exists already (Cosmos 409). */
  async create(record: IdempotencyRecord): Promise<StoredIdempotencyRecord | undefined> {
    return withCosmosErrors(async () => {
      try {
        const { resource } = await this.container.items.create(record);
        return toStored(resource as IdempotencyRecord & SystemProperties);
      } catch (error) {
        if (isConflict(error)) return undefined;
        throw error;
      }
    });
  }

  async get(id: string): Promise<StoredIdempotencyRecord | undefined> {
    return withCosmosErrors(async () => {
      const { resource } = await this.container.item(id, id).read<IdempotencyRecord & SystemProperties>();
      return resource ? toStored(resource) : undefined;
    });
  }

  /** Replaces the record only if it is still at `expected` (412, as a preconditionFailed AppError, otherwise). */
  async replace(record: IdempotencyRecord, expected: StoredIdempotencyRecord): Promise<StoredIdempotencyRecord> {
    return withCosmosErrors(async () => {
      const { resource } = await this.container
        .item(record.id, record.id)
        .replace(record, { accessCondition: { type: 'IfMatch', condition: expected.cosmosEtag } });
      return toStored(resource as IdempotencyRecord & SystemProperties);
    });
  }

  /** Deletes the record if it is still at `expected`; true when it did. */
  async remove(expected: StoredIdempotencyRecord): Promise<boolean> {
    return withCosmosErrors(async () => {
      try {
        await this.container.item(expected.record.id, expected.record.id).delete({ accessCondition: { type: 'IfMatch', condition: expected.cosmosEtag } });
        return true;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (code === 404 || code === 412) return false;
        throw error;
      }
    });
  }
}
