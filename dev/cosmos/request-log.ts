/**
 * What the embedded database observes of each request, for counting round trips from outside
 * the app: one record per HTTP request the Cosmos client sent, classified the way the Cosmos
 * REST API names operations. The counts are the client's real traffic (retries, query plans and
 * metadata reads included), not what the app believes it asked for.
 */
import type { IncomingMessage } from 'node:http';

export type CosmosOperation =
  | 'read'
  | 'create'
  | 'upsert'
  | 'replace'
  | 'patch'
  | 'delete'
  | 'query'
  | 'queryPlan'
  | 'readFeed'
  | 'batch'
  | 'metadata';

export interface CosmosRequestRecord {
  operation: CosmosOperation;
  /** Database id, when the path names one. */
  database: string | undefined;
  /** Container id, when the path names one. */
  container: string | undefined;
  status: number;
  /** Documents in the response: 1 for a point read or write that returned one, the page size for a query. */
  documents: number;
}

const truthy = (value: string | string[] | undefined): boolean => String(value ?? '').toLowerCase() === 'true';

/** Classifies a request the way upstream's router does (lib/router.js). */
export function classifyRequest(req: IncomingMessage): Pick<CosmosRequestRecord, 'operation' | 'database' | 'container'> {
  const path = new URL(req.url ?? '/', 'http://embedded').pathname.replace(/^\/+/, '').replace(/\/+$/, '');
  const segments = path.split('/').map(decodeURIComponent);
  const database = segments[0] === 'dbs' ? segments[1] : undefined;
  const container = segments[2] === 'colls' ? segments[3] : undefined;
  const onDocuments = segments[4] === 'docs';
  const oneDocument = onDocuments && segments.length === 6;
  const method = req.method ?? 'GET';
  let operation: CosmosOperation = 'metadata';
  if (onDocuments) {
    if (method === 'POST') {
      if (truthy(req.headers['x-ms-cosmos-is-query-plan-request'])) operation = 'queryPlan';
      else if (truthy(req.headers['x-ms-documentdb-isquery']) || req.headers['content-type'] === 'application/query+json') operation = 'query';
      else if (truthy(req.headers['x-ms-documentdb-is-upsert'])) operation = 'upsert';
      else if (truthy(req.headers['x-ms-cosmos-is-batch-request'])) operation = 'batch';
      else operation = 'create';
    } else if (method === 'GET') operation = oneDocument ? 'read' : 'readFeed';
    else if (method === 'PUT') operation = 'replace';
    else if (method === 'PATCH') operation = 'patch';
    else if (method === 'DELETE') operation = 'delete';
  }
  return { operation, database, container };
}

/**
 * How many documents a response body carries. A query-plan request gets none: the embedded
 * database answers it by running the query, where Cosmos returns only a plan.
 */
export function documentsIn(body: unknown, status: number, operation?: CosmosOperation): number {
  if (operation === 'queryPlan' || status >= 300 || !body || typeof body !== 'object') return 0;
  const documents = (body as { Documents?: unknown }).Documents;
  if (Array.isArray(documents)) return documents.length;
  return typeof (body as { id?: unknown }).id === 'string' ? 1 : 0;
}

/** Counts per container and operation, and documents returned; one database's traffic only. */
export interface RequestCounts {
  /** Every request to the database, metadata reads included. */
  requests: number;
  /** Documents returned, summed over those requests. */
  documents: number;
  /** container -> operation -> requests (`(database)` for requests that name no container). */
  byContainer: Record<string, Partial<Record<CosmosOperation, number>>>;
  /** container -> documents returned. */
  documentsByContainer: Record<string, number>;
}

/**
 * Tallies the records of one database (the app's; the local broker keeps its messages in another
 * one of the same server). `take()` returns the counts since the last take and starts afresh.
 */
export class RequestTally {
  private counts: RequestCounts = RequestTally.empty();

  constructor(private readonly database: string) {}

  private static empty(): RequestCounts {
    return { requests: 0, documents: 0, byContainer: {}, documentsByContainer: {} };
  }

  readonly record = (record: CosmosRequestRecord): void => {
    if (record.database !== this.database) return;
    const container = record.container ?? '(database)';
    const counts = this.counts;
    counts.requests += 1;
    counts.documents += record.documents;
    const operations = (counts.byContainer[container] ??= {});
    operations[record.operation] = (operations[record.operation] ?? 0) + 1;
    counts.documentsByContainer[container] = (counts.documentsByContainer[container] ?? 0) + record.documents;
  };

  /** The counts so far, without resetting. */
  peek(): RequestCounts {
    return structuredClone(this.counts);
  }

  /** The counts so far; the tally starts again from zero. */
  take(): RequestCounts {
    const counts = this.counts;
    this.counts = RequestTally.empty();
    return counts;
  }
}
