import { app } from '@azure/functions';
import { SERVICE_BUS_CONNECTION, TOPICS } from '../shared/config/entities.js';
import { recordAudit } from '../shared/use-cases/record-audit.js';

/** Every task event → one audit record (idempotent on event id). A throw abandons the message for retry. */
app.serviceBusTopic('audit-writer', {
  connection: SERVICE_BUS_CONNECTION,
  topicName: TOPICS.taskEvents.name,
  subscriptionName: TOPICS.taskEvents.subscriptions.audit,
  handler: async (message, context) => {
    await recordAudit(message, context);
  },
});
