import { registerTimer } from '../shared/consumers/register-consumer.js';
import { dispatchStalledOperations } from '../shared/use-cases/dispatch-stalled-operations.js';

/**
 * Queues the chunks of operations a Service Bus outage or a crash held back
 * (shared/use-cases/dispatch-stalled-operations.ts). The schedule is fixed (every minute); if it
 * ever needs tuning per environment it becomes a setting like the other timers' schedules.
 */
registerTimer({
  name: 'operations-dispatch',
  schedule: '0 * * * * *',
  handler: async ({ services, invocation }) => {
    const run = await dispatchStalledOperations(services);
    if (run.stoppedAt) invocation.warn(`Dispatching operation ${run.stoppedAt.operationId} failed; retrying next run: ${run.stoppedAt.reason}`);
    if (run.dispatched > 0) invocation.log(`Dispatched ${run.dispatched} stalled operation(s).`);
  },
});
