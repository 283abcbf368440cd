import { validationError } from '../errors/app-error.js';
import type { FieldError } from '../schemas/problem.js';
import type { Services } from '../services.js';

type Field = Pick<FieldError, 'in' | 'field'>;

/** A task's location must be a known court or venue: no dangling references. */
export async function assertKnownLocation(deps: Pick<Services, 'reference'>, locationId: string, field: Field = { in: 'body', field: 'locationId' }): Promise<void> {
  if (!(await deps.reference.getLocation(locationId))) {
    throw validationError([{ ...field, message: `is not a known location (${locationId})` }]);
  }
}

/**
 * A task on a case the system knows must carry the case's jurisdiction. Cases arrive by import,
 * possibly after the first task for them, so a case reference not imported yet is accepted.
 *
 * The refusal does not say which jurisdiction the case is in: the case may lie outside the
 * caller's scope, and its jurisdiction is not theirs to learn. Every mismatch reads the same.
 */
export async function assertMatchesCase(deps: Pick<Services, 'reference'>, caseId: string, jurisdiction: string, field: Field = { in: 'body', field: 'jurisdiction' }): Promise<void> {
  const known = await deps.reference.getCase(caseId);
  if (known && known.jurisdiction !== jurisdiction) {
    throw validationError([{ ...field, message: `is not the jurisdiction of case ${caseId}` }]);
  }
}

/** Why a user cannot hold a task, in words that say nothing about the user. */
export const notAssignableMessage = (task: { jurisdiction: string; locationId: string }): string =>
  `must be an active caseworker or manager who works in ${task.jurisdiction} at location ${task.locationId}`;

/**
 * Only someone who can do the work may hold a task: a known, active user whose directory entry
 * holds the caseworker or manager role and covers the task's jurisdiction and location.
 *
 * Callers decide first whether the caller may assign at all (authorization before reference
 * data). Every refusal then reads the same, naming only the task's jurisdiction and location,
 * which the caller can see: whether the user exists, is active, or which jurisdictions they cover
 * is directory data the caller may not be allowed to read (a manager sees only the people of
 * their own jurisdictions), so an unknown user and an unsuitable one are indistinguishable.
 */
export async function assertAssignable(
  deps: Pick<Services, 'users'>,
  userId: string,
  task: { jurisdiction: string; locationId: string },
  field: Field = { in: 'body', field: 'assignee' },
): Promise<void> {
  const user = (await deps.users.get(userId))?.document;
  const assignable =
    user !== undefined &&
    user.active &&
    user.roles.some((role) => role === 'caseworker' || role === 'manager') &&
    user.jurisdictions.includes(task.jurisdiction as never) &&
    (user.locations.length === 0 || user.locations.includes(task.locationId));
  if (!assignable) throw validationError([{ ...field, message: notAssignableMessage(task) }]);
}
