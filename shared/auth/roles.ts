import { z } from 'zod';

/**
 * The application roles, written once. In Azure they are Entra ID app roles: the value here is the
 * app role `value` that Entra puts in the token's `roles` claim (docs/deploy.md shows how to
 * declare and assign them). Locally the dev issuer puts the same values in its tokens.
 */
export const ROLES = ['admin', 'manager', 'caseworker', 'viewer'] as const;
export const roleSchema = z.enum(ROLES);
export type Role = z.infer<typeof roleSchema>;

/** Claim that carries the roles, as Entra ID issues them. */
export const ROLES_CLAIM = 'roles';

/** The authenticated caller, derived from a verified token. */
export interface Principal {
  /** Stable user id: Entra object id (`oid`), falling back to `sub`. */
  userId: string;
  name: string | undefined;
  roles: readonly Role[];
  /**
   * Where the caller works, from the users directory: jurisdictions, and locations (empty: all
   * in those jurisdictions). Set for every authenticated request; admins without a directory
   * entry (break-glass accounts) have none and are not scoped.
   */
  workScope?: { jurisdictions: readonly string[]; locations: readonly string[] };
}
