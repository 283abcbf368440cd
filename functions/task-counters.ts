import { TOPICS } from '../shared/config/entities.js';
import { registerConsumer } from '../shared/consumers/register-consumer.js';
import { taskEventSchema } from '../shared/schemas/event.js';
import { trackMetric } from '../shared/telemetry/metrics.js';
import { countTaskEvent } from '../shared/use-cases/count-task-event.js';

/** Every task event → the counters behind /tasks/stats and the overdue backlog (exactly once per task version). */
registerConsumer({
  name: 'task-counters',
  from: { topic: TOPICS.taskEvents.name, subscription: TOPICS.taskEvents.subscriptions.counters },
  message: taskEventSchema,
  handler: async ({ services, message, invocation }) => {
    const outcome = await countTaskEvent(services, message);
    if (outcome === 'duplicate') trackMetric(invocation, 'counters.duplicate', 1, { eventType: message.type });
  },
});
