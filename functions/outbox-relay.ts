import { registerTimer } from '../shared/consumers/register-consumer.js';
import { SETTING } from '../shared/config/settings.js';
import { trackMetric } from '../shared/telemetry/metrics.js';
import { relayOutbox } from '../shared/use-cases/relay-outbox.js';

/** Publishes events still waiting in task outboxes, oldest first (shared/use-cases/relay-outbox.ts). */
registerTimer({
  name: 'outbox-relay',
  schedule: `%${SETTING.outboxRelaySchedule}%`,
  handler: async ({ services, invocation }) => {
    const outcome = await relayOutbox(services, invocation.traceContext?.traceParent ?? undefined);
    // The backlog as the run found it: what the outbox alerts watch (docs/observability.md).
    if (outcome.backlog) {
      trackMetric(invocation, 'outbox.backlog', outcome.backlog.tasks);
      trackMetric(invocation, 'outbox.oldestAgeMs', outcome.backlog.oldestAgeMs);
    }
    if (outcome.stoppedAt) {
      trackMetric(invocation, 'outbox.relayFailed', 1);
      invocation.warn(`Outbox relay stopped at task ${outcome.stoppedAt.taskId}: ${outcome.stoppedAt.reason}`);
    }
    trackMetric(invocation, 'outbox.relayed', outcome.relayed);
  },
});
