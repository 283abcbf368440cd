import { TOPICS } from '../shared/config/entities.js';
import { registerConsumer } from '../shared/consumers/register-consumer.js';
import { SETTING } from '../shared/config/settings.js';
import { notificationsMessageSchema } from '../shared/schemas/notification.js';
import { handleNotificationsMessage } from '../shared/use-cases/handle-notifications-message.js';

/**
 * Every task event, and the digest and bulk-summary jobs → the emails they call for, through
 * GOV.UK Notify, each sent once (shared/use-cases/handle-notifications-message.ts, docs/notifications.md).
 */
const NOTIFY_SETTINGS = `NOTIFY_TEMPLATE_* and ${SETTING.taskLinkBaseUrl}`;

registerConsumer({
  name: 'notifications-sender',
  from: { topic: TOPICS.taskEvents.name, subscription: TOPICS.taskEvents.subscriptions.notifications },
  message: notificationsMessageSchema,
  handler: async ({ services, message, correlationId, invocation }) => {
    const metadata = invocation.triggerMetadata ?? {};
    const result = await handleNotificationsMessage(
      services,
      message,
      {
        messageId: String(metadata['messageId'] ?? invocation.invocationId),
        correlationId,
        applicationProperties: (metadata['applicationProperties'] ?? {}) as Record<string, unknown>,
      },
      invocation,
    );
    if (result.off) {
      invocation.warn(`Notifications are off: set the ${NOTIFY_SETTINGS} settings to send emails. Nothing was sent for this message.`);
    } else if (result.planned > 0) {
      invocation.log(
        `Notifications: ${result.sent} sent, ${result.duplicates} already sent, ${result.rejected.length} rejected${result.retry ? `, retry in ${Math.round(result.retry.delayMs / 1000)} s (${result.retry.messageId})` : ''}.`,
      );
    }
  },
});
