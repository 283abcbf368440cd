import { app } from '@azure/functions';
import { getServices } from '../shared/services.js';
import { dispatchOperation } from '../shared/use-cases/dispatch-operation.js';

/**
 * Operations younger than this are left to the request that is still queueing them. Overlapping
 * with a slow request would only resend messages Service Bus drops as duplicates.
 */
const GRACE_MS = 10_000;
const MAX_PER_RUN = 50;

/**
 * Queues the chunks of operations whose request could not (Service Bus down, or the process died
 * between storing the operation and sending). Resends are harmless: chunk messages have fixed ids
 * and the worker skips chunks already done. Stops at the first failure; the next run resumes.
 * The schedule is fixed (every minute); if it ever needs tuning per environment it becomes a
 * setting in shared/config/settings.ts like the other timers' schedules.
 */
app.timer('operations-dispatch', {
  schedule: '0 * * * * *',
  handler: async (_timer, context) => {
    const { operations, now } = getServices();
    const stalled = await operations.undispatched(new Date(now().getTime() - GRACE_MS).toISOString(), MAX_PER_RUN);
    for (const operation of stalled) {
      try {
        await dispatchOperation(operation);
      } catch (error) {
        context.warn(`Dispatching operation ${operation.id} failed; retrying next run: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
    }
    if (stalled.length > 0) context.log(`Dispatched ${stalled.length} stalled operation(s).`);
  },
});
