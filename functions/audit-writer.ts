import { TOPICS } from '../shared/config/entities.js';
import { registerConsumer } from '../shared/consumers/register-consumer.js';
import { taskEventSchema } from '../shared/schemas/event.js';
import { recordAudit } from '../shared/use-cases/record-audit.js';

/** Every task event → one audit record (idempotent on event id; shared/use-cases/record-audit.ts). */
registerConsumer({
  name: 'audit-writer',
  from: { topic: TOPICS.taskEvents.name, subscription: TOPICS.taskEvents.subscriptions.audit },
  message: taskEventSchema,
  handler: async ({ services, message, invocation }) => {
    await recordAudit(services, message, invocation);
  },
});
