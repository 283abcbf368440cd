import { app } from '@azure/functions';
import { SETTING } from '../shared/config/settings.js';
import { publishOutbox } from '../shared/events/outbox.js';
import { getServices } from '../shared/services.js';
import { trackMetric } from '../shared/telemetry/metrics.js';

const BATCH = 100;
const MAX_PER_RUN = 2000;

/**
 * Publishes events that are still in task outboxes (their publish after the write failed, or the
 * process died in between), oldest first. Stops at the first failure: Service Bus is likely down,
 * and the next run resumes from the same oldest task.
 */
app.timer('outbox-relay', {
  schedule: `%${SETTING.outboxRelaySchedule}%`,
  handler: async (_timer, context) => {
    const services = getServices();
    let relayed = 0;
    let seen = 0;
    while (seen < MAX_PER_RUN) {
      const batch = await services.tasks.withPendingEvents(BATCH);
      if (batch.length === 0) break;
      for (const task of batch) {
        try {
          relayed += await publishOutbox(task, services);
        } catch (error) {
          trackMetric(context, 'outbox.relayFailed', 1);
          context.warn(`Outbox relay stopped at task ${task.document.id}: ${error instanceof Error ? error.message : String(error)}`);
          trackMetric(context, 'outbox.relayed', relayed);
          return;
        }
      }
      seen += batch.length;
    }
    trackMetric(context, 'outbox.relayed', relayed);
  },
});
