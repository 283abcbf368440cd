import type { Services } from '../services.js';
import { dispatchOperation } from './dispatch-operation.js';

/**
 * Operations younger than this are left to the request that is still queueing them. Overlapping
 * with a slow request would only resend messages Service Bus drops as duplicates.
 */
export const DISPATCH_GRACE_MS = 10_000;
export const DISPATCH_MAX_PER_RUN = 50;

export interface DispatchRun {
  dispatched: number;
  stoppedAt?: { operationId: string; reason: string };
}

/**
 * Queues the chunks of operations whose request could not (Service Bus down, or the process died
 * between storing the operation and sending). Resends are harmless: chunk messages have fixed ids
 * and the worker skips chunks already done. Stops at the first failure; the next run resumes.
 */
export async function dispatchStalledOperations(deps: Pick<Services, 'operations' | 'messaging' | 'now'>): Promise<DispatchRun> {
  const stalled = await deps.operations.undispatched(new Date(deps.now().getTime() - DISPATCH_GRACE_MS).toISOString(), DISPATCH_MAX_PER_RUN);
  let dispatched = 0;
  for (const operation of stalled) {
    try {
      await dispatchOperation(deps, operation);
      dispatched += 1;
    } catch (error) {
      return { dispatched, stoppedAt: { operationId: operation.id, reason: error instanceof Error ? error.message : String(error) } };
    }
  }
  return { dispatched };
}
