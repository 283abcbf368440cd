import type { Principal } from '../auth/roles.js';
import { requireIfMatch } from '../domain/entity-tags.js';
import type { StoredUser } from '../domain/user-document.js';
import { applyUserChange } from '../domain/user-rules.js';
import { notFound } from '../errors/app-error.js';
import type { UpdateMeInput } from '../schemas/user.js';
import type { Services } from '../services.js';
import { isPreconditionFailed } from '../store/cosmos-errors.js';

/** Concurrent changes to one directory entry resolved by reading again (without If-Match). */
const ATTEMPTS = 3;

/**
 * The caller changes what they may change about themselves: their notification switches, merged
 * into the current ones. If-Match is optional (a stale one is 412); without it the change is
 * applied to the current entry, since it only touches the switches named.
 */
export async function updateMyPreferences(deps: Pick<Services, 'users' | 'now'>, principal: Principal, ifMatch: string | null, change: UpdateMeInput): Promise<StoredUser> {
  for (let attempt = 1; ; attempt++) {
    const current = await deps.users.get(principal.userId);
    if (!current) throw notFound('You have no entry in the users directory; ask an administrator to add you.');
    if (ifMatch) requireIfMatch(ifMatch, current.etag);
    try {
      return await deps.users.replace(applyUserChange(current.document, { notificationPreferences: change.notificationPreferences }, deps.now()), current);
    } catch (error) {
      if (ifMatch || !isPreconditionFailed(error) || attempt >= ATTEMPTS) throw error;
    }
  }
}
