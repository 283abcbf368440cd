import type { Container, Database } from '@azure/cosmos';
import { CONTAINERS } from '../config/entities.js';
import type { TaskEvent } from '../schemas/event.js';
import { splitSystemProperties } from './cosmos-document.js';
import { isConflict, withCosmosErrors } from './cosmos-errors.js';
import type { CursorCodec } from './cursor.js';
import { queryPage, type PageRequest } from './paged-query.js';

/** An audit record: the event exactly as published, plus when the audit writer stored it. */
export type AuditRecord = TaskEvent & { recordedAt: string };

/**
 * The audit trail. Partitioned by task id, so one task's history is a single-partition query;
 * the record id is the event id, so writing the same event twice is a 409 the writer treats as
 * "already recorded" (idempotency comes from the database, not from a check-then-write race).
 */
export class AuditRepository {
  private readonly container: Container;

  constructor(
    database: Database,
    private readonly cursors: CursorCodec,
  ) {
    this.container = database.container(CONTAINERS.audit.name);
  }

  /** Stores the record; returns false when this event was already recorded. */
  async append(record: AuditRecord): Promise<boolean> {
    return withCosmosErrors(async () => {
      try {
        await this.container.items.create(record);
        return true;
      } catch (error) {
        if (isConflict(error)) return false;
        throw error;
      }
    });
  }

  /**
   * The newest audit records' event and record times (the `occurredAt` index, across partitions):
   * how far the audit trail is behind, for the operations console.
   */
  async recentTimes(max: number): Promise<{ occurredAt: string; recordedAt: string }[]> {
    return withCosmosErrors(async () => {
      const { resources } = await this.container.items
        .query<{ occurredAt: string; recordedAt: string }>(`SELECT TOP ${Math.max(1, Math.trunc(max))} c.occurredAt, c.recordedAt FROM c ORDER BY c.occurredAt DESC`)
        .fetchAll();
      return resources;
    });
  }

  private historyQuery(taskId: string) {
    // The partition key is in the WHERE clause as well as the request option (see docs/data-model.md).
    return {
      query: 'SELECT * FROM c WHERE c.taskId = @taskId ORDER BY c.sequence ASC',
      parameters: [{ name: '@taskId', value: taskId }],
    };
  }

  /** One page of a task's history, oldest first. */
  async page(taskId: string, page: PageRequest): Promise<{ records: AuditRecord[]; nextCursor: string | null }> {
    const { items, nextCursor } = await queryPage<AuditRecord>(this.container, this.cursors, this.historyQuery(taskId), { ...page, partitionKey: taskId });
    return { records: items.map(stripSystemProperties), nextCursor };
  }

  /** The whole history of a task, oldest first (for verification). */
  async all(taskId: string): Promise<AuditRecord[]> {
    return withCosmosErrors(async () => {
      const { resources } = await this.container.items
        .query<AuditRecord>(this.historyQuery(taskId), { partitionKey: taskId })
        .fetchAll();
      return resources.map(stripSystemProperties);
    });
  }
}

const stripSystemProperties = (resource: AuditRecord): AuditRecord => splitSystemProperties(resource).document;
