import type { Container, Database, ItemDefinition, SqlQuerySpec } from '@azure/cosmos';
import { CONTAINERS } from '../config/entities.js';
import type { TaskScope } from '../domain/permissions.js';
import { httpEtag, type StoredTask, type TaskDocument } from '../domain/task-document.js';
import type { Jurisdiction } from '../schemas/task.js';
import type { ListTasksQuery } from '../schemas/task-query.js';
import { splitSystemProperties, type SystemProperties } from './cosmos-document.js';
import { isPreconditionFailed, withCosmosErrors } from './cosmos-errors.js';
import type { CursorCodec } from './cursor.js';
import { queryPage, type PageRequest } from './paged-query.js';
import {
  buildOutboxQuery,
  buildOverdueScanQuery,
  buildTaskCountQuery,
  buildTaskListQuery,
  buildTaskWhere,
  OUTBOX_BACKLOG_QUERIES,
} from './task-query-builder.js';
import type { TaskFilter } from '../domain/task-filter.js';
import type { CountingState } from '../domain/task-counters.js';
import { buildExpiredUploadsQuery, buildNoteWritesQuery, buildUnscannedFilesQuery } from './task-attachment-queries.js';

export interface TaskPage {
  tasks: StoredTask[];
  nextCursor: string | null;
}

export type { CountingState } from '../domain/task-counters.js';

type CosmosTask = TaskDocument & ItemDefinition & SystemProperties;

function toStored(resource: CosmosTask): StoredTask {
  const { document, cosmosEtag } = splitSystemProperties<TaskDocument>(resource);
  return { document, etag: httpEtag(document), cosmosEtag };
}

/**
 * Reads and writes task documents. The partition key is the task id, so every single-task
 * operation is a point read or write (1 RU-class cost) and writes spread evenly; list queries
 * fan out across partitions and are served from the index (see docs/data-model.md).
 */
export class TaskRepository {
  private readonly container: Container;

  constructor(
    database: Database,
    private readonly cursors: CursorCodec,
  ) {
    this.container = database.container(CONTAINERS.tasks.name);
  }

  async create(document: TaskDocument): Promise<StoredTask> {
    return withCosmosErrors(async () => {
      const { resource } = await this.container.items.create<TaskDocument>(document);
      return toStored(resource as CosmosTask);
    });
  }

  /** The task, deleted or not; undefined when no such id exists. */
  async get(id: string): Promise<StoredTask | undefined> {
    return withCosmosErrors(async () => {
      const { resource } = await this.container.item(id, id).read<CosmosTask>();
      return resource ? toStored(resource) : undefined;
    });
  }

  /** Replaces the task only if it is still at version `expected`: a concurrent writer gets a 412, never a lost update. */
  async replace(document: TaskDocument, expected: StoredTask): Promise<StoredTask> {
    return withCosmosErrors(async () => {
      const { resource } = await this.container
        .item(document.id, document.id)
        .replace<TaskDocument>(document, { accessCondition: { type: 'IfMatch', condition: expected.cosmosEtag } });
      return toStored(resource as CosmosTask);
    });
  }

  /** One page of tasks in the caller's scope (see queryPage for how short pages are handled). */
  async list(
    filter: TaskFilter,
    scope: TaskScope,
    page: Pick<ListTasksQuery, 'sort' | 'order'> & PageRequest,
  ): Promise<TaskPage> {
    const spec = buildTaskListQuery(filter, scope, page.sort, page.order);
    const { items, nextCursor } = await queryPage<CosmosTask>(this.container, this.cursors, spec, page);
    return { tasks: items.map(toStored), nextCursor };
  }

  /**
   * The ids of the tasks matching a filter within a scope, following continuation tokens, at most
   * `max`. The scope goes into the query through the same builder as every list, so a bulk
   * operation can never pick up a task its requester could not see.
   */
  async findIds(filter: TaskFilter, scope: TaskScope, max: number): Promise<string[]> {
    const { where, parameters } = buildTaskWhere(filter, scope);
    return withCosmosErrors(async () => {
      const iterator = this.container.items.query<string>({ query: `SELECT VALUE c.id FROM c WHERE ${where}`, parameters }, { maxItemCount: 500 });
      const ids: string[] = [];
      while (ids.length < max && iterator.hasMoreResults()) ids.push(...(await iterator.fetchNext()).resources);
      return ids.slice(0, max);
    });
  }

  /**
   * The jurisdictions of the tasks (not deleted) on each of these case references: what a case
   * import must agree with. One cross-partition query per call, for up to an import chunk of cases.
   */
  async jurisdictionsByCase(caseIds: readonly string[]): Promise<Map<string, Jurisdiction[]>> {
    const byCase = new Map<string, Jurisdiction[]>();
    if (caseIds.length === 0) return byCase;
    return withCosmosErrors(async () => {
      const { resources } = await this.container.items
        .query<{ caseId: string; jurisdiction: Jurisdiction }>({
          // One row per task (a case has a handful), folded here rather than with DISTINCT, which the
          // embedded database's SQL parser does not know.
          query: 'SELECT c.caseId, c.jurisdiction FROM c WHERE ARRAY_CONTAINS(@caseIds, c.caseId) AND c.deletedAt = null',
          parameters: [{ name: '@caseIds', value: [...new Set(caseIds)] }],
        })
        .fetchAll();
      for (const { caseId, jurisdiction } of resources) {
        const known = byCase.get(caseId) ?? [];
        if (!known.includes(jurisdiction)) byCase.set(caseId, [...known, jurisdiction]);
      }
      return byCase;
    });
  }

  async count(filter: TaskFilter, scope: TaskScope): Promise<number> {
    return withCosmosErrors(async () => {
      const { resources } = await this.container.items.query<number>(buildTaskCountQuery(filter, scope)).fetchAll();
      return resources.reduce((sum, value) => sum + value, 0);
    });
  }

  /** Ids and due dates of tasks past due and not flagged yet, at most `max`, following continuation tokens. */
  async findNewlyOverdue(now: Date, max: number): Promise<{ id: string; dueDate: string }[]> {
    return withCosmosErrors(async () => {
      const found: { id: string; dueDate: string }[] = [];
      const iterator = this.container.items.query<{ id: string; dueDate: string }>(buildOverdueScanQuery(now.toISOString()), {
        maxItemCount: 200,
      });
      while (found.length < max && iterator.hasMoreResults()) {
        const { resources } = await iterator.fetchNext();
        found.push(...resources);
      }
      return found.slice(0, max);
    });
  }

  /**
   * What the counters need of every task (deleted ones included, with their version), page by
   * page: the full count a reconciliation of the counters compares them with.
   */
  async *countingStates(pageSize = 5000): AsyncGenerator<CountingState[]> {
    const iterator = this.container.items.query<CountingState>(
      'SELECT c.id, c.caseId, c.jurisdiction, c.locationId, c.assignee, c.status, c.priority, c.overdue, c.deletedAt, c.version FROM c',
      { maxItemCount: pageSize },
    );
    while (iterator.hasMoreResults()) {
      const { resources } = await withCosmosErrors(() => iterator.fetchNext());
      if (resources.length > 0) yield resources;
    }
  }

  /** Tasks with unpublished events that have waited since `notAfter` or earlier, oldest first. */
  async withPendingEvents(max: number, notAfter: string): Promise<StoredTask[]> {
    return withCosmosErrors(async () => {
      const { resources } = await this.container.items.query<CosmosTask>(buildOutboxQuery(notAfter), { maxItemCount: max }).fetchNext();
      return resources.map(toStored);
    });
  }

  /** The outbox backlog: tasks whose events wait for Service Bus, and when the oldest of them was recorded. */
  async outboxBacklog(): Promise<{ tasks: number; oldestSince: string | null }> {
    return withCosmosErrors(async () => {
      const [count, oldest] = await Promise.all([
        this.container.items.query<number>(OUTBOX_BACKLOG_QUERIES.count).fetchAll(),
        this.container.items.query<string>(OUTBOX_BACKLOG_QUERIES.oldest).fetchAll(),
      ]);
      return { tasks: count.resources[0] ?? 0, oldestSince: oldest.resources[0] ?? null };
    });
  }

  /**
   * Removes published events from the task's outbox with a partial update (patch) of the two
   * outbox fields only, conditioned on the version the events were read from (If-Match on the
   * Cosmos `_etag`; the conditional-patch filter predicate is not used: the local embedded
   * database does not evaluate it, see docs/adr/0006-request-path-round-trips.md). On a conflict
   * (the task changed meanwhile, perhaps adding events) it re-reads and retries, so it never
   * removes an event it did not publish nor touches any other field. The business version, and so
   * the HTTP ETag, does not change.
   */
  async removePublishedEvents(task: StoredTask, publishedIds: readonly string[]): Promise<void> {
    const published = new Set(publishedIds);
    let current: StoredTask | undefined = task;
    for (let attempt = 0; attempt < 5 && current; attempt++) {
      const remaining = current.document.pendingEvents.filter((event) => !published.has(event.id));
      if (remaining.length === current.document.pendingEvents.length) return;
      const version = current.cosmosEtag;
      try {
        await withCosmosErrors(() =>
          this.container.item(task.document.id, task.document.id).patch(
            [
              { op: 'set', path: '/pendingEvents', value: remaining },
              { op: 'set', path: '/outboxSince', value: remaining[0]?.occurredAt ?? null },
            ],
            { accessCondition: { type: 'IfMatch', condition: version } },
          ),
        );
        return;
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
        current = await this.get(task.document.id);
      }
    }
  }

  /**
   * Removes one note write from the task once its note document is written (a patch of the two
   * note-write fields only, If-Match on the version read, re-read and retried on 412, like
   * removePublishedEvents). The business version, and so the HTTP ETag, does not change.
   */
  async removeNoteWrite(task: StoredTask, eventId: string): Promise<StoredTask | undefined> {
    let current: StoredTask | undefined = task;
    for (let attempt = 0; attempt < 5 && current; attempt++) {
      const read: StoredTask = current;
      const writes = read.document.noteWrites ?? [];
      const remaining = writes.filter((write) => write.eventId !== eventId);
      if (remaining.length === writes.length) return read;
      try {
        // The patch answers with the document as written: the caller's next conditioned write
        // (the outbox patch) uses its version without reading the task again.
        return await withCosmosErrors(async () => {
          const { resource } = await this.container.item(task.document.id, task.document.id).patch<TaskDocument>(
            [
              { op: 'set', path: '/noteWrites', value: remaining },
              { op: 'set', path: '/noteWritesSince', value: remaining.length > 0 ? (read.document.noteWritesSince ?? null) : null },
            ],
            { accessCondition: { type: 'IfMatch', condition: read.cosmosEtag } },
          );
          return resource ? toStored(resource as CosmosTask) : undefined;
        });
      } catch (error) {
        if (!isPreconditionFailed(error)) throw error;
        current = await this.get(task.document.id);
      }
    }
    return current;
  }

  /** Tasks with note writes pending since before `cutoff` (left by a crash), oldest first. */
  async withNoteWritesBefore(cutoff: Date, max: number): Promise<StoredTask[]> {
    return this.findForSweep(buildNoteWritesQuery(cutoff.toISOString()), max);
  }

  /** Tasks holding a pending upload whose URL expired before `cutoff`. */
  async withExpiredUploads(cutoff: Date, max: number): Promise<StoredTask[]> {
    return this.findForSweep(buildExpiredUploadsQuery(cutoff.toISOString()), max);
  }

  /** Tasks holding an available file the malware scanner has not reported on yet. */
  async withUnscannedFiles(max: number): Promise<StoredTask[]> {
    return this.findForSweep(buildUnscannedFilesQuery(), max);
  }

  private async findForSweep(spec: SqlQuerySpec, max: number): Promise<StoredTask[]> {
    return withCosmosErrors(async () => {
      const { resources } = await this.container.items.query<CosmosTask>(spec, { maxItemCount: max }).fetchNext();
      return resources.map(toStored);
    });
  }
}
