import type { Container, Database, SqlParameter } from '@azure/cosmos';
import { CONTAINERS } from '../config/entities.js';
import { caseLedgerId, type CaseLedgerDocument, type TotalsDocument } from '../domain/task-counters.js';
import type { Jurisdiction } from '../schemas/task.js';
import { splitSystemProperties, type SystemProperties } from './cosmos-document.js';
import { isConflict, isPreconditionFailed, withCosmosErrors } from './cosmos-errors.js';

/** A counters document with the Cosmos ETag of the version read, for a conditioned write. */
export interface StoredCounter<T> {
  document: T;
  cosmosEtag: string;
}

/** Totals as stats read them: the jurisdiction and its cells, not the in-flight markers. */
export type TotalsCells = Pick<TotalsDocument, 'jurisdiction' | 'cells'>;

/**
 * The `counters` container (totals per jurisdiction and shard) and the `case-counters` container
 * (one ledger per case); see shared/domain/task-counters.ts. Every write is conditioned (create if absent, else If-Match on
 * the version read), and a lost race is reported as `undefined` for the caller to re-read and
 * decide again: the counting protocol depends on never overwriting a write it did not see.
 */
export class CounterRepository {
  private readonly totals: Container;
  private readonly ledgers: Container;

  constructor(database: Database) {
    this.totals = database.container(CONTAINERS.counters.name);
    this.ledgers = database.container(CONTAINERS.caseCounters.name);
  }

  getLedger(caseId: string): Promise<StoredCounter<CaseLedgerDocument> | undefined> {
    return this.read<CaseLedgerDocument>(this.ledgers, caseLedgerId(caseId));
  }

  getTotals(id: string): Promise<StoredCounter<TotalsDocument> | undefined> {
    return this.read<TotalsDocument>(this.totals, id);
  }

  /** Writes a ledger: created when `expected` is undefined, else replaced if still at that version. */
  putLedger(document: CaseLedgerDocument, expected: StoredCounter<CaseLedgerDocument> | undefined) {
    return this.write(this.ledgers, document, expected);
  }

  putTotals(document: TotalsDocument, expected: StoredCounter<TotalsDocument> | undefined) {
    return this.write(this.totals, document, expected);
  }

  /**
   * The totals of these jurisdictions (every shard), in one query: at most 7 × COUNTER_SHARDS
   * small documents, whatever the number of tasks. Only the cells travel.
   */
  async totalsOf(jurisdictions: readonly Jurisdiction[]): Promise<TotalsCells[]> {
    const parameters: SqlParameter[] = jurisdictions.map((value, index) => ({ name: `@j${index}`, value }));
    const query = `SELECT c.jurisdiction, c.cells FROM c WHERE c.jurisdiction IN (${parameters.map((p) => p.name).join(', ')})`;
    return withCosmosErrors(async () => (await this.totals.items.query<TotalsCells>({ query, parameters }, { maxItemCount: 100 }).fetchAll()).resources);
  }

  /** Every totals document with its version, for a rebuild. */
  async allTotals(): Promise<StoredCounter<TotalsDocument>[]> {
    const documents = await withCosmosErrors(async () => (await this.totals.items.query<TotalsDocument & SystemProperties>('SELECT * FROM c', { maxItemCount: 100 }).fetchAll()).resources);
    return documents.map((resource) => splitSystemProperties<TotalsDocument>(resource));
  }

  /** Every case ledger with its version, page by page (a reconciliation reads them all). */
  async *allLedgers(pageSize = 2000): AsyncGenerator<StoredCounter<CaseLedgerDocument>[]> {
    const iterator = this.ledgers.items.query<CaseLedgerDocument & SystemProperties>('SELECT * FROM c', { maxItemCount: pageSize });
    while (iterator.hasMoreResults()) {
      const { resources } = await withCosmosErrors(() => iterator.fetchNext());
      if (resources.length > 0) yield resources.map((resource) => splitSystemProperties<CaseLedgerDocument>(resource));
    }
  }

  private async read<T>(container: Container, id: string): Promise<StoredCounter<T> | undefined> {
    return withCosmosErrors(async () => {
      const { resource } = await container.item(id, id).read<T & SystemProperties>();
      return resource ? splitSystemProperties<T>(resource) : undefined;
    });
  }

  private async write<T extends { id: string }>(container: Container, document: T, expected: StoredCounter<T> | undefined): Promise<StoredCounter<T> | undefined> {
    try {
      return await withCosmosErrors(async () => {
        const { resource } = expected
          ? await container.item(document.id, document.id).replace<T>(document, { accessCondition: { type: 'IfMatch', condition: expected.cosmosEtag } })
          : await container.items.create<T>(document);
        return splitSystemProperties<T>(resource as T & SystemProperties);
      });
    } catch (error) {
      if (isPreconditionFailed(error) || isConflict(error)) return undefined;
      throw error;
    }
  }
}
