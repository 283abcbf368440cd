import { QUEUES } from '../shared/config/entities.js';
import { registerConsumer } from '../shared/consumers/register-consumer.js';
import { overdueCandidateSchema } from '../shared/schemas/overdue.js';
import { trackMetric } from '../shared/telemetry/metrics.js';
import { flagOverdue } from '../shared/use-cases/flag-overdue.js';

/** One overdue candidate → re-read, and flag it only if it still is overdue (emits task.overdue). */
registerConsumer({
  name: 'overdue-process',
  from: { queue: QUEUES.overdueTasks.name },
  message: overdueCandidateSchema,
  handler: async ({ services, message, correlationId, traceparent, invocation }) => {
    const outcome = await flagOverdue(services, message.taskId, correlationId, traceparent);
    if (outcome === 'flagged') trackMetric(invocation, 'overdue.flagged', 1);
  },
});
