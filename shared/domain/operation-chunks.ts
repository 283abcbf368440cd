import type { ChunkDocument, ImportItem } from '../schemas/operation.js';

/**
 * How an operation's items are cut into chunks: one stored document and one queue message each.
 * Ids are derived from the operation and the chunk number, so writing or sending a chunk again
 * (a retried request, the dispatch relay) overwrites the same document and is dropped by Service
 * Bus duplicate detection as the same message.
 */

/** Tasks per reassignment chunk: each is a few reads, one write and one publish. */
export const REASSIGN_CHUNK_SIZE = 50;
/** Cases per import chunk: each is two point reads and one upsert. */
export const IMPORT_CHUNK_SIZE = 100;

export function splitIntoChunks<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, not ${size}`);
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

export const chunkDocumentId = (operationId: string, chunk: number): string => `${operationId}:chunk:${chunk}`;

export const chunkMessageId = (operationId: string, chunk: number): string => `${operationId}:${chunk}`;

/** The items an operation works through, by type. */
export type OperationWork = { type: 'reassign'; items: readonly string[] } | { type: 'case-import'; items: readonly ImportItem[] };

/** The chunk documents of an operation's items, each type at its own chunk size. */
export function chunkDocuments(operationId: string, work: OperationWork): ChunkDocument[] {
  const base = (chunk: number) => ({ id: chunkDocumentId(operationId, chunk), docType: 'operation-chunk' as const, operationId, chunk });
  if (work.type === 'reassign') {
    return splitIntoChunks(work.items, REASSIGN_CHUNK_SIZE).map((items, chunk) => ({ ...base(chunk), type: 'reassign', items }));
  }
  return splitIntoChunks(work.items, IMPORT_CHUNK_SIZE).map((items, chunk) => ({ ...base(chunk), type: 'case-import', items }));
}
