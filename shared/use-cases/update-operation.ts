import { setTimeout as sleep } from 'node:timers/promises';
import type { OperationDocument } from '../schemas/operation.js';
import type { Services } from '../services.js';
import { isPreconditionFailed } from '../store/cosmos-errors.js';

/**
 * Chunks of one operation finish concurrently and each merges into the same document, so 412s
 * are expected here, not exceptional: the decision is re-run on a fresh read, after a short random
 * pause that keeps the racing workers from colliding again in lockstep.
 */
const ATTEMPTS = 30;

/**
 * Read-modify-write of an operation, conditioned on the ETag read. `change` returns the next
 * document, or undefined when there is nothing to do (e.g. the chunk is already recorded).
 * Returns the document as written, or as found when nothing was written.
 */
export async function updateOperation(
  deps: Pick<Services, 'operations'>,
  id: string,
  change: (current: OperationDocument) => OperationDocument | undefined,
): Promise<OperationDocument> {
  const { operations } = deps;
  for (let attempt = 1; ; attempt++) {
    const current = await operations.get(id);
    if (!current) throw new Error(`operation ${id} does not exist`);
    const next = change(current.document);
    if (!next) return current.document;
    try {
      await operations.replace(next, current);
      return next;
    } catch (error) {
      if (!isPreconditionFailed(error) || attempt >= ATTEMPTS) throw error;
      await sleep(Math.random() * 20 * Math.min(attempt, 10));
    }
  }
}
