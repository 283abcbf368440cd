import type { Principal } from '../auth/roles.js';
import { assertAllowed, assertMayChange, assertVisible, inWorkScope } from '../domain/permissions.js';
import type { StoredTask, TaskDocument } from '../domain/task-document.js';
import { recordEvent } from '../domain/task-events.js';
import { applyTaskChange, type TaskChange } from '../domain/task-rules.js';
import { publishAfterWrite } from '../events/outbox.js';
import { forbidden } from '../errors/app-error.js';
import { requireIfMatch } from '../domain/entity-tags.js';
import type { Services } from '../services.js';
import { conditionalWrite } from './conditional-write.js';
import { assertAssignable, assertKnownLocation } from './reference-checks.js';
import { eventFacts, type WriteContext } from './write-context.js';

/**
 * The one path every PATCH/PUT takes: visibility (404), reference data (400: a known location,
 * an assignable assignee), then on fresh state If-Match (428/412), the caller's rights (403/409)
 * and the lifecycle rules (409/400); the event is recorded in the same conditioned write.
 */
export type UpdateTaskDeps = Pick<Services, 'tasks' | 'messaging' | 'reference' | 'users' | 'now'>;

export async function updateTask(
  deps: UpdateTaskDeps,
  principal: Principal,
  id: string,
  ifMatch: string | null,
  change: TaskChange,
  context: WriteContext,
): Promise<StoredTask> {
  const snapshot = await deps.tasks.get(id);
  assertVisible(principal, snapshot?.document, id);
  // Reference checks read other containers, so they run before the conditioned write; what they
  // depend on (jurisdiction) never changes, and the location comes from this very change.
  const locationId = change.locationId ?? snapshot.document.locationId;
  const movesLocation = change.locationId !== undefined && change.locationId !== snapshot.document.locationId;
  // Authorization before reference data: where the caller may not work, nothing about it is checked.
  assertLocationInScope(principal, snapshot.document.jurisdiction, locationId);
  if (movesLocation) await assertKnownLocation(deps, locationId);
  // Whoever holds the task after the change must be able to do it there: a new assignee, or the
  // current one when the task moves to another location (then the location is what is refused).
  const assignee = change.assignee !== undefined ? change.assignee : snapshot.document.assignee;
  const changesAssignee = change.assignee !== undefined && change.assignee !== snapshot.document.assignee;
  if (assignee && (changesAssignee || movesLocation)) {
    const field = changesAssignee ? { in: 'body' as const, field: 'assignee' } : { in: 'body' as const, field: 'locationId' };
    await assertAssignable(deps, assignee, { jurisdiction: snapshot.document.jurisdiction, locationId }, field);
  }

  const result = await conditionalWrite(deps.tasks, id, (current) => {
    assertAllowed(principal, 'update', current?.document, id);
    requireIfMatch(ifMatch, current!.etag);
    assertMayChange(principal, current!.document, change);
    assertLocationInScope(principal, current!.document.jurisdiction, locationId);
    const now = deps.now();
    return recordEvent(current!.document, applyTaskChange(current!.document, change, now), eventFacts(context, now));
  }, snapshot);
  const stored = result!.after;
  await publishAfterWrite(stored, deps, context.log, context.traceparent);
  return stored;
}

function assertLocationInScope(principal: Principal, jurisdiction: TaskDocument['jurisdiction'], locationId: string): void {
  if (!inWorkScope(principal, { jurisdiction, locationId })) throw forbidden(`Location ${locationId} is outside your work scope.`);
}
