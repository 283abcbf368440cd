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
 */
export async function assertMatchesCase(deps: Pick<Services, 'reference'>, caseId: string, jurisdiction: string, field: Field = { in: 'body', field: 'jurisdiction' }): Promise<void> {
  const known = await deps.reference.getCase(caseId);
  if (known && known.jurisdiction !== jurisdiction) {
    throw validationError([{ ...field, message: `must be ${known.jurisdiction}, the jurisdiction of case ${caseId}` }]);
  }
}

/**
 * Only someone who can do the work may hold a task: a known, active user whose directory entry
 * holds the caseworker or manager role and covers the task's jurisdiction and location.
 */
export async function assertAssignable(
  deps: Pick<Services, 'users'>,
  userId: string,
  task: { jurisdiction: string; locationId: string },
  field: Field = { in: 'body', field: 'assignee' },
): Promise<void> {
  const user = (await deps.users.get(userId))?.document;
  const refuse = (message: string) => validationError([{ ...field, message }]);
  if (!user) throw refuse(`${userId} is not a known user`);
  if (!user.active) throw refuse(`${userId} is deactivated`);
  if (!user.roles.some((role) => role === 'caseworker' || role === 'manager')) throw refuse(`${userId} is not a caseworker or manager`);
  if (!user.jurisdictions.includes(task.jurisdiction as never)) throw refuse(`${userId} does not work in ${task.jurisdiction}`);
  if (user.locations.length > 0 && !user.locations.includes(task.locationId)) {
    throw refuse(`${userId} does not work at location ${task.locationId}`);
  }
}
