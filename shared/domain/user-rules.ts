import type { Principal } from '../auth/roles.js';
import type { CreateUserInput, UpdateUserInput } from '../schemas/user.js';
import type { UserDocument } from './user-document.js';

/** The jurisdictions whose people a caller may look up: all for admins, their own for managers. */
export function userDirectoryScope(principal: Principal): readonly string[] | 'all' {
  if (principal.roles.includes('admin')) return 'all';
  return principal.workScope?.jurisdictions ?? [];
}

export function canSeeUser(principal: Principal, user: UserDocument): boolean {
  const scope = userDirectoryScope(principal);
  return scope === 'all' || user.jurisdictions.some((jurisdiction) => scope.includes(jurisdiction));
}

export function newUserDocument(input: CreateUserInput, now: Date): UserDocument {
  const timestamp = now.toISOString();
  return { ...input, createdAt: timestamp, updatedAt: timestamp };
}

/** The entry after a change; `current` itself when the change alters no value (nothing to write). */
export function applyUserChange(current: UserDocument, change: UpdateUserInput, now: Date): UserDocument {
  const defined = Object.entries(change).filter(([, value]) => value !== undefined);
  // Preferences are merged (JSON Merge Patch of the nested object), never replaced wholesale.
  const notificationPreferences = change.notificationPreferences ? { ...current.notificationPreferences, ...change.notificationPreferences } : current.notificationPreferences;
  const next: UserDocument = { ...current, ...Object.fromEntries(defined), ...(notificationPreferences ? { notificationPreferences } : {}) };
  const changes = defined.some(([key]) => JSON.stringify(current[key as keyof UserDocument]) !== JSON.stringify(next[key as keyof UserDocument]));
  return changes ? { ...next, updatedAt: now.toISOString() } : current;
}
