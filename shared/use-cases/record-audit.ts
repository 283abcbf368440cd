import { eventHash } from '../domain/event-hash.js';
import { PoisonMessageError } from '../errors/poison-message-error.js';
import type { TaskEvent } from '../schemas/event.js';
import type { Services } from '../services.js';
import { trackMetric, type MetricLog } from '../telemetry/metrics.js';

/**
 * Writes one audit record for one task event (already decoded and validated against the event
 * schema by the consumer registration). An event whose hash does not match its content was
 * tampered with or corrupted: no retry can fix that, so it is poison and ends in the dead-letter
 * queue where an operator can see it. Redelivery of a recorded event is a no-op.
 */
export async function recordAudit(deps: Pick<Services, 'audit' | 'now'>, event: TaskEvent, log: MetricLog): Promise<'recorded' | 'duplicate'> {
  if (eventHash(event) !== event.hash) throw new PoisonMessageError(`event ${event.id} does not match its hash`);
  const recordedAt = deps.now();
  const recorded = await deps.audit.append({ ...event, recordedAt: recordedAt.toISOString() });
  if (recorded) {
    trackMetric(log, 'audit.lagMs', recordedAt.getTime() - Date.parse(event.occurredAt), { eventType: event.type });
    return 'recorded';
  }
  trackMetric(log, 'audit.duplicate', 1, { eventType: event.type });
  return 'duplicate';
}
