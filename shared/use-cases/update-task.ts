import type { Principal } from '../auth/roles.js';
import { assertMayChange, assertVisible } from '../domain/permissions.js';
import type { StoredTask } from '../domain/task-document.js';
import { recordEvent } from '../domain/task-events.js';
import { applyTaskChange, type TaskChange } from '../domain/task-rules.js';
import { publishAfterWrite } from '../events/outbox.js';
import { requireIfMatch } from '../http/conditional.js';
import { getServices } from '../services.js';
import { conditionalWrite } from './conditional-write.js';
import { eventFacts, type WriteContext } from './write-context.js';

/**
 * The one path every change to a task takes: check visibility (404) and If-Match (428/412), that
 * the caller may make this change (403), apply the lifecycle rules (409/400), record the event,
 * then write conditioned on the version checked, and publish.
 */
export async function updateTask(
  principal: Principal,
  id: string,
  ifMatch: string | null,
  change: TaskChange,
  context: WriteContext,
): Promise<StoredTask> {
  const services = getServices();
  const result = await conditionalWrite(id, (current) => {
    assertVisible(principal, current?.document, id);
    requireIfMatch(ifMatch, current!.etag);
    assertMayChange(principal, current!.document, change);
    const now = services.now();
    return recordEvent(current!.document, applyTaskChange(current!.document, change, now), eventFacts(context, now));
  });
  // conditionalWrite only returns undefined when decide does; decide always returns or throws.
  const stored = result!.after;
  await publishAfterWrite(stored, services, context.log, context.traceparent);
  return stored;
}
