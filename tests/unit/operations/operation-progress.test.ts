import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../shared/auth/roles.js';
import { appendErrors, markRunning, MAX_OPERATION_ERRORS, mergeChunkResult, newOperation } from '../../../shared/domain/operation-progress.js';
import { canSeeOperation, toOperationView } from '../../../shared/domain/operation-view.js';
import type { ChunkResult, OperationDocument } from '../../../shared/schemas/operation.js';

const manager: Principal = { userId: 'm1', name: 'Morgan', roles: ['manager'], workScope: { jurisdictions: ['IA'], locations: [] } };
const t0 = new Date('2030-01-01T09:00:00Z');
const t1 = new Date('2030-01-01T09:00:05Z');
const none: ChunkResult = { succeeded: 0, failed: 0, skipped: 0, errors: [] };

function operation(totalChunks: number, settled: ChunkResult = none, totalItems = totalChunks * 10): OperationDocument {
  return newOperation({
    id: 'op',
    type: 'reassign',
    requester: manager,
    correlationId: 'corr',
    parameters: { fromUserId: 'a', toUserId: 'b', jurisdiction: null },
    totalItems,
    totalChunks,
    settled,
    now: t0,
  });
}

describe('a new operation', () => {
  it('is queued, undispatched, with the requester and their scope kept for the worker', () => {
    const created = operation(3);
    expect(created).toMatchObject({
      status: 'queued',
      completedAt: null,
      dispatchedAt: null,
      requestedBy: { userId: 'm1', name: 'Morgan' },
      requester: { userId: 'm1', roles: ['manager'], workScope: { jurisdictions: ['IA'], locations: [] } },
      progress: { totalItems: 30, processedItems: 0, totalChunks: 3, completedChunks: 0 },
      doneChunks: [],
    });
  });

  it('counts items settled at request time (rejected rows) as processed', () => {
    const created = operation(1, { succeeded: 0, failed: 2, skipped: 0, errors: [{ item: 'row 1', message: 'bad' }, { item: 'row 2', message: 'bad' }] }, 12);
    expect(created.progress).toMatchObject({ totalItems: 12, processedItems: 2, failed: 2 });
    expect(created.errors).toHaveLength(2);
  });

  it('with no chunks is finished at once: succeeded, or completed_with_errors when rows were rejected', () => {
    expect(operation(0, none, 0)).toMatchObject({ status: 'succeeded', completedAt: t0.toISOString(), dispatchedAt: t0.toISOString() });
    const rejected = operation(0, { succeeded: 0, failed: 1, skipped: 0, errors: [{ item: 'row 1', message: 'bad' }] }, 1);
    expect(rejected.status).toBe('completed_with_errors');
  });
});

describe('merging chunk results', () => {
  const result = (succeeded: number, failed = 0, skipped = 0): ChunkResult => ({
    succeeded,
    failed,
    skipped,
    errors: Array.from({ length: failed }, (_, i) => ({ item: `t${i}`, field: 'toUserId', message: 'cannot hold it' })),
  });

  it('adds counts and the chunk number, and runs until the last chunk', () => {
    const after = mergeChunkResult(operation(2), 1, result(7, 2, 1), t1)!;
    expect(after).toMatchObject({ status: 'running', completedAt: null, doneChunks: [1], updatedAt: t1.toISOString() });
    expect(after.progress).toMatchObject({ processedItems: 10, succeeded: 7, failed: 2, skipped: 1, completedChunks: 1 });
    expect(after.errors).toHaveLength(2);
  });

  it('counts a chunk once: merging the same chunk again changes nothing', () => {
    const once = mergeChunkResult(operation(2), 0, result(10), t1)!;
    expect(mergeChunkResult(once, 0, result(10), t1)).toBeUndefined();
  });

  it('ends succeeded, completed_with_errors, or failed when a chunk was aborted', () => {
    const finish = (results: [ChunkResult, boolean][]) =>
      results.reduce((op, [chunkResult, aborted], chunk) => mergeChunkResult(op, chunk, chunkResult, t1, aborted)!, operation(results.length));
    expect(finish([[result(10), false], [result(10), false]])).toMatchObject({ status: 'succeeded', completedAt: t1.toISOString() });
    expect(finish([[result(10), false], [result(8, 2), false]]).status).toBe('completed_with_errors');
    expect(finish([[result(10), false], [result(0, 10), true]]).status).toBe('failed');
    // Skipped items (no longer the source user's) are not failures.
    expect(finish([[result(5, 0, 5), false]]).status).toBe('succeeded');
  });

  it('is order-independent: chunks finishing in any order give the same totals', () => {
    const results = [result(10), result(9, 1), result(8, 0, 2)];
    const forward = results.reduce((op, r, i) => mergeChunkResult(op, i, r, t1)!, operation(3));
    const backward = [2, 1, 0].reduce((op, i) => mergeChunkResult(op, i, results[i]!, t1)!, operation(3));
    expect(backward.progress).toEqual(forward.progress);
    expect(backward.status).toBe(forward.status);
  });

  it('keeps at most MAX_OPERATION_ERRORS errors and counts the rest', () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ item: `row ${i + 1}`, message: 'bad' }));
    const { errors, omittedErrors } = appendErrors(many(MAX_OPERATION_ERRORS - 1), 0, many(3));
    expect(errors).toHaveLength(MAX_OPERATION_ERRORS);
    expect(omittedErrors).toBe(2);
    expect(appendErrors(errors, omittedErrors, many(4)).omittedErrors).toBe(6);
  });
});

describe('status changes and visibility', () => {
  it('marks a queued operation running once', () => {
    const running = markRunning(operation(2), t1)!;
    expect(running.status).toBe('running');
    expect(markRunning(running, t1)).toBeUndefined();
  });

  it('shows the operation to its requester and admins only, without the worker bookkeeping', () => {
    const op = operation(1);
    expect(canSeeOperation(manager, op)).toBe(true);
    expect(canSeeOperation({ userId: 'a1', name: undefined, roles: ['admin'] }, op)).toBe(true);
    expect(canSeeOperation({ ...manager, userId: 'm2' }, op)).toBe(false);
    const view = toOperationView(op);
    for (const hidden of ['requester', 'doneChunks', 'abortedChunks', 'dispatchedAt', 'correlationId', 'docType']) expect(view).not.toHaveProperty(hidden);
  });
});
