import { describe, expect, it } from 'vitest';
import {
  chunkDocumentId,
  chunkDocuments,
  chunkMessageId,
  IMPORT_CHUNK_SIZE,
  REASSIGN_CHUNK_SIZE,
  splitIntoChunks,
} from '../../../shared/domain/operation-chunks.js';

describe('chunking', () => {
  it('splits items in order into full chunks and a last partial one', () => {
    expect(splitIntoChunks([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(splitIntoChunks([1, 2, 3, 4], 2)).toEqual([[1, 2], [3, 4]]);
    expect(splitIntoChunks([], 50)).toEqual([]);
  });

  it('refuses a chunk size that would loop forever or lose items', () => {
    expect(() => splitIntoChunks([1], 0)).toThrow(RangeError);
    expect(() => splitIntoChunks([1], 1.5)).toThrow(RangeError);
  });

  it('derives document and message ids from the operation and chunk number, so a rewrite or resend is the same one', () => {
    expect(chunkDocumentId('op', 3)).toBe('op:chunk:3');
    expect(chunkMessageId('op', 3)).toBe('op:3');
  });

  it('cuts each operation type at its own size into numbered chunk documents', () => {
    const taskIds = Array.from({ length: REASSIGN_CHUNK_SIZE * 2 + 1 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const reassign = chunkDocuments('op', { type: 'reassign', items: taskIds });
    expect(reassign.map((chunk) => [chunk.id, chunk.chunk, chunk.items.length])).toEqual([
      ['op:chunk:0', 0, REASSIGN_CHUNK_SIZE],
      ['op:chunk:1', 1, REASSIGN_CHUNK_SIZE],
      ['op:chunk:2', 2, 1],
    ]);
    expect(reassign.flatMap((chunk) => chunk.items)).toEqual(taskIds);
    expect(reassign[0]).toMatchObject({ docType: 'operation-chunk', operationId: 'op', type: 'reassign' });

    const record = { caseId: '1234567812345678', jurisdiction: 'IA' as const, locationId: '765324', caseName: 'A', caseType: 'Asylum' };
    const rows = Array.from({ length: IMPORT_CHUNK_SIZE + 1 }, (_, i) => ({ row: i + 1, record }));
    expect(chunkDocuments('op', { type: 'case-import', items: rows }).map((chunk) => chunk.items.length)).toEqual([IMPORT_CHUNK_SIZE, 1]);
  });
});
