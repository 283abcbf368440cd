import type { InvocationContext } from '@azure/functions';
import { eventHash } from '../domain/event-hash.js';
import { taskEventSchema } from '../schemas/event.js';
import { getServices } from '../services.js';
import { trackMetric } from '../telemetry/metrics.js';

/**
 * Writes one audit record for one event message. Throws for a message that is not a valid,
 * untampered task event: retrying cannot fix it, and after the delivery limit it lands in the
 * dead-letter queue where an operator can see it. Redelivery of a recorded event is a no-op.
 */
export async function recordAudit(message: unknown, context: InvocationContext): Promise<'recorded' | 'duplicate'> {
  const body = typeof message === 'string' ? (JSON.parse(message) as unknown) : message;
  const event = taskEventSchema.parse(body);
  if (eventHash(event) !== event.hash) throw new Error(`event ${event.id} does not match its hash`);

  const { audit, now } = getServices();
  const recordedAt = now();
  const recorded = await audit.append({ ...event, recordedAt: recordedAt.toISOString() });
  if (recorded) {
    trackMetric(context, 'audit.lagMs', recordedAt.getTime() - Date.parse(event.occurredAt), { eventType: event.type });
    return 'recorded';
  }
  trackMetric(context, 'audit.duplicate', 1, { eventType: event.type });
  return 'duplicate';
}
