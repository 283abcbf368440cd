import type { Container, Database } from '@azure/cosmos';
import { CONTAINERS } from '../config/entities.js';
import type { ChunkDocument, OperationDocument } from '../schemas/operation.js';
import { splitSystemProperties, type SystemProperties } from './cosmos-document.js';
import { withCosmosErrors } from './cosmos-errors.js';

/** An operation with the Cosmos `_etag` it was read at, for a conditioned replace. */
export interface StoredOperation {
  document: OperationDocument;
  cosmosEtag: string;
}

/** Chunk documents written at once: enough to be quick, few enough not to be throttled. */
const PARALLEL_WRITES = 8;

/**
 * The `operations` container: operation documents (progress, the set of chunks done) and their
 * chunk documents (the items), told apart by `docType`. Everything is a point read or write by id.
 */
export class OperationRepository {
  private readonly container: Container;

  constructor(database: Database) {
    this.container = database.container(CONTAINERS.operations.name);
  }

  async get(id: string): Promise<StoredOperation | undefined> {
    return withCosmosErrors(async () => {
      const { resource } = await this.container.item(id, id).read<OperationDocument & SystemProperties>();
      if (!resource || resource.docType !== 'operation') return undefined;
      return splitSystemProperties<OperationDocument>(resource);
    });
  }

  async create(operation: OperationDocument): Promise<void> {
    await withCosmosErrors(() => this.container.items.create(operation));
  }

  /** Replaces the operation only if it is still at `expected`: a concurrent chunk's merge makes this a 412. */
  async replace(operation: OperationDocument, expected: StoredOperation): Promise<void> {
    await withCosmosErrors(() =>
      this.container.item(operation.id, operation.id).replace(operation, { accessCondition: { type: 'IfMatch', condition: expected.cosmosEtag } }),
    );
  }

  /** Upserts: the ids are derived from the operation, so writing a chunk again is harmless. */
  async putChunks(chunks: readonly ChunkDocument[]): Promise<void> {
    await withCosmosErrors(async () => {
      for (let start = 0; start < chunks.length; start += PARALLEL_WRITES) {
        await Promise.all(chunks.slice(start, start + PARALLEL_WRITES).map((chunk) => this.container.items.upsert(chunk)));
      }
    });
  }

  async getChunk(id: string): Promise<ChunkDocument | undefined> {
    return withCosmosErrors(async () => {
      const { resource } = await this.container.item(id, id).read<ChunkDocument & SystemProperties>();
      return resource ? splitSystemProperties<ChunkDocument>(resource).document : undefined;
    });
  }

  /** Operations created before `createdBefore` whose chunk messages were never all sent, oldest first. */
  async undispatched(createdBefore: string, max: number): Promise<OperationDocument[]> {
    return withCosmosErrors(async () => {
      const { resources } = await this.container.items
        .query<OperationDocument & SystemProperties>(
          {
            query: "SELECT * FROM c WHERE c.docType = 'operation' AND c.dispatchedAt = null AND c.createdAt < @before ORDER BY c.createdAt ASC",
            parameters: [{ name: '@before', value: createdBefore }],
          },
          { maxItemCount: max },
        )
        .fetchNext();
      return resources.map((resource) => splitSystemProperties<OperationDocument>(resource).document);
    });
  }
}
