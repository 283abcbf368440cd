import { requireIfMatch } from '../domain/entity-tags.js';
import type { StoredUser, UserDocument } from '../domain/user-document.js';
import { applyUserChange, newUserDocument } from '../domain/user-rules.js';
import { AppError, notFound } from '../errors/app-error.js';
import type { CreateUserInput, UpdateUserInput } from '../schemas/user.js';
import type { Services } from '../services.js';
import { assertKnownLocation } from './reference-checks.js';

type UserDeps = Pick<Services, 'users' | 'reference' | 'directory' | 'now'>;

/** Every location a user works at must be a known court or venue, named by its index on refusal. */
async function assertKnownLocations(deps: Pick<Services, 'reference'>, locations: readonly string[] | undefined): Promise<void> {
  for (const [index, locationId] of (locations ?? []).entries()) await assertKnownLocation(deps, locationId, { in: 'body', field: `locations.${index}` });
}

/** Adds a user (by Entra object id) to the directory; an id already there is a 409 from the store. */
export async function createUser(deps: UserDeps, input: CreateUserInput): Promise<StoredUser> {
  await assertKnownLocations(deps, input.locations);
  const created = await deps.users.create(newUserDocument(input, deps.now()));
  // An earlier request by this user may have been refused as "not registered": not any more.
  deps.directory.invalidate(created.document.id);
  return created;
}

/** Changes a directory entry, conditioned on the version the caller read (If-Match required); a change that changes nothing writes nothing. */
export async function updateUser(deps: UserDeps, id: string, ifMatch: string | null, change: UpdateUserInput): Promise<StoredUser> {
  const current = await deps.users.get(id);
  if (!current) throw notFound(`No user ${id} exists.`);
  requireIfMatch(ifMatch, current.etag);
  await assertKnownLocations(deps, change.locations);
  const next = applyUserChange(current.document, change, deps.now());
  // Every value as it is: nothing to write, the ETag stays.
  return next === current.document ? current : replaceReportingCurrent(deps, next, current);
}

/**
 * Deactivates a user: they can no longer sign in to Caseload or be given work; their tasks stay
 * where they are until reassigned. Idempotent; If-Match optional (a stale one is 412).
 */
export async function deactivateUser(deps: Pick<Services, 'users' | 'directory' | 'now'>, id: string, ifMatch: string | null): Promise<StoredUser> {
  const current = await deps.users.get(id);
  if (!current) throw notFound(`No user ${id} exists.`);
  if (ifMatch) requireIfMatch(ifMatch, current.etag);
  if (!current.document.active) return current;
  return replaceReportingCurrent(deps, applyUserChange(current.document, { active: false }, deps.now()), current);
}

/**
 * The conditioned replace; when someone else changed the entry since it was read (412 from the
 * database), the refusal carries the version now stored, as every 412 of the API does.
 */
async function replaceReportingCurrent(deps: Pick<Services, 'users' | 'directory'>, next: UserDocument, read: StoredUser): Promise<StoredUser> {
  try {
    const replaced = await deps.users.replace(next, read);
    // This instance's authentication sees the change at once; others within the cache's lifetime.
    deps.directory.invalidate(next.id);
    return replaced;
  } catch (error) {
    if (!(error instanceof AppError) || error.kind !== 'preconditionFailed') throw error;
    const now = await deps.users.get(read.document.id);
    throw new AppError('preconditionFailed', error.detail, { ...error.options, ...(now ? { currentEtag: now.etag } : {}) });
  }
}
