import { registerTimer } from '../shared/consumers/register-consumer.js';
import { SETTING } from '../shared/config/settings.js';
import { trackMetric } from '../shared/telemetry/metrics.js';
import { reconcileCounters } from '../shared/use-cases/reconcile-counters.js';

/**
 * The task counters against a full count of the tasks, daily (shared/use-cases/reconcile-counters.ts);
 * an operator runs it by hand after an incident (POST /admin/functions/task-counters-reconcile).
 */
registerTimer({
  name: 'task-counters-reconcile',
  schedule: `%${SETTING.countersReconcileSchedule}%`,
  handler: async ({ invocation, services }) => {
    const outcome = await reconcileCounters(services);
    trackMetric(invocation, 'counters.tasksCaughtUp', outcome.tasksCaughtUp);
    trackMetric(invocation, 'counters.totalsCorrected', outcome.totalsCorrected);
    const summary = `task counters: ${outcome.tasks} tasks, ${outcome.tasksCaughtUp} caught up, ${outcome.totalsCorrected} totals corrected`;
    if (outcome.totalsLeft > 0 || outcome.casesLeft > 0) {
      invocation.warn(`${summary}; ${outcome.casesLeft} case ledgers and ${outcome.totalsLeft} totals kept changing and are left to the next run`);
    }
    else if (outcome.tasksCaughtUp > 0 || outcome.totalsCorrected > 0) invocation.warn(`${summary} (the counters had drifted)`);
    else invocation.log(summary);
  },
});
