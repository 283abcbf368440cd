import { registerTimer } from '../shared/consumers/register-consumer.js';
import { SETTING } from '../shared/config/settings.js';
import { trackMetric } from '../shared/telemetry/metrics.js';
import { scanOverdue } from '../shared/use-cases/scan-overdue.js';

/** Queues newly overdue tasks for processing and reports the flagged backlog (shared/use-cases/scan-overdue.ts). */
registerTimer({
  name: 'overdue-scan',
  schedule: `%${SETTING.overdueScanSchedule}%`,
  handler: async ({ services, correlationId, invocation }) => {
    const scan = await scanOverdue(services, correlationId);
    trackMetric(invocation, 'overdue.queued', scan.queued);
    for (const [jurisdiction, count] of Object.entries(scan.backlog)) trackMetric(invocation, 'overdue.backlog', count, { jurisdiction });
  },
});
