import { registerTimer } from '../shared/consumers/register-consumer.js';
import { SETTING } from '../shared/config/settings.js';
import { trackMetric } from '../shared/telemetry/metrics.js';
import { scheduleOverdueDigests } from '../shared/use-cases/request-notifications.js';

/** Daily: one digest job per manager, of the tasks in their scope newly overdue since their last digest (shared/use-cases/request-notifications.ts). */
registerTimer({
  name: 'notifications-digest',
  schedule: `%${SETTING.overdueDigestSchedule}%`,
  handler: async ({ services, correlationId, invocation }) => {
    const queued = await scheduleOverdueDigests(services, correlationId);
    trackMetric(invocation, 'notify.digestsQueued', queued);
  },
});
