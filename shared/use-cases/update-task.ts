import type { Principal } from '../auth/roles.js';
import { assertMayAttempt, assertMayChange, assertStateAllows, inWorkScope } from '../domain/permissions.js';
import type { StoredTask, TaskDocument } from '../domain/task-document.js';
import { recordEvent } from '../domain/task-events.js';
import { applyTaskChange, type TaskChange } from '../domain/task-rules.js';
import { publishAfterWrite } from '../events/outbox.js';
import { forbidden } from '../errors/app-error.js';
import type { Services } from '../services.js';
import { callerWrite } from './conditional-write.js';
import { assertAssignable, assertKnownLocation } from './reference-checks.js';
import { eventFacts, type WriteContext } from './write-context.js';

/**
 * The one path every PATCH/PUT takes: visibility (404) and the caller's rights (403) first,
 * then reference data (400: a known location, an assignable assignee), then on fresh state the
 * rights again, If-Match (428/412) and only then the task's state and the lifecycle rules
 * (409/400; callerWrite keeps that order); the event is recorded in the same conditioned write. A change that changes nothing writes nothing and returns the task
 * as it is (same version, same ETag, no event).
 *
 * Rights come before reference data so a caller who may not assign learns nothing about the
 * directory from the answer: a caseworker naming someone else as assignee gets 403 whether or
 * not that person exists.
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
  const locationId = change.locationId ?? snapshot?.document.locationId ?? '';
  assertMayUpdate(principal, snapshot?.document, id, change, locationId);
  // Reference checks read other containers, so they run before the conditioned write; what they
  // depend on (jurisdiction) never changes, and the location comes from this very change. The task
  // read here is also what the first conditioned write decides on: one read per write.
  const movesLocation = change.locationId !== undefined && change.locationId !== snapshot.document.locationId;
  if (movesLocation) await assertKnownLocation(deps, locationId);
  // Whoever holds the task after the change must be able to do it there: a new assignee, or the
  // current one when the task moves to another location (then the location is what is refused).
  const assignee = change.assignee !== undefined ? change.assignee : snapshot.document.assignee;
  const changesAssignee = change.assignee !== undefined && change.assignee !== snapshot.document.assignee;
  if (assignee && (changesAssignee || movesLocation)) {
    const field = changesAssignee ? { in: 'body' as const, field: 'assignee' } : { in: 'body' as const, field: 'locationId' };
    await assertAssignable(deps, assignee, { jurisdiction: snapshot.document.jurisdiction, locationId }, field);
  }

  const result = await callerWrite(
    deps.tasks,
    id,
    {
      authorize: (task) => assertMayUpdate(principal, task, id, change, locationId),
      ifMatch: { header: ifMatch, required: true },
      decide: (current) => {
        assertStateAllows(principal, 'update', current.document);
        const now = deps.now();
        const next = applyTaskChange(current.document, change, now);
        // Every value as it was (a PATCH or PUT repeating the task): nothing to write, the ETag stays.
        if (next === current.document) return undefined;
        return recordEvent(current.document, next, eventFacts(context, now));
      },
    },
    snapshot,
  );
  if (!result.written) return result.after;
  await publishAfterWrite(result.after, deps, context);
  return result.after;
}

/** 404 unless visible, 403 unless this caller may make this change (assignee, location) to the task, whatever its state. */
function assertMayUpdate(principal: Principal, task: TaskDocument | undefined, id: string, change: TaskChange, locationId: string): asserts task is TaskDocument {
  assertMayAttempt(principal, 'update', task, id);
  assertMayChange(principal, task, change);
  if (!inWorkScope(principal, { jurisdiction: task.jurisdiction, locationId })) {
    throw forbidden(`Location ${locationId} is outside your work scope.`);
  }
}
