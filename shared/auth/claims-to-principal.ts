import type { JWTPayload } from 'jose';
import { ROLES, ROLES_CLAIM, type Principal, type Role } from './roles.js';

const KNOWN_ROLES: ReadonlySet<string> = new Set(ROLES);

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/**
 * The claims that become text the system stores and hashes (the user id, and the name in every
 * event's actor) must be well-formed Unicode: a JWT payload is JSON and may hold a lone surrogate
 * escape, which canonical JSON cannot hash. A token with such a claim is refused (401); Entra never
 * issues one.
 */
const TEXT_CLAIMS = ['oid', 'sub', 'name', 'preferred_username'] as const;

export function hasIllFormedTextClaims(claims: JWTPayload): boolean {
  return TEXT_CLAIMS.some((claim) => typeof claims[claim] === 'string' && !(claims[claim] as string).isWellFormed());
}

function isRole(value: unknown): value is Role {
  return typeof value === 'string' && KNOWN_ROLES.has(value);
}

/**
 * Maps the claims of an already verified token to the caller. Returns undefined when the token
 * names no user at all (no usable `oid` or `sub`).
 *
 * - userId: `oid` (Entra object id: the same user in every app of the tenant, unlike `sub`,
 *   which is pairwise per application), falling back to `sub` for other issuers.
 * - roles: only values this API knows. Unknown app roles (another app's, or a role removed from
 *   the code but still assigned in Entra) are ignored rather than refused, so a token with none
 *   of ours is still a valid identity with roles []; authorization decides what that may do.
 */
export function principalFromClaims(claims: JWTPayload): Principal | undefined {
  const userId = nonEmptyString(claims['oid']) ?? nonEmptyString(claims.sub);
  if (userId === undefined) return undefined;
  const name = nonEmptyString(claims['name']) ?? nonEmptyString(claims['preferred_username']);
  const claimed: unknown = claims[ROLES_CLAIM];
  const roles = Array.isArray(claimed) ? [...new Set(claimed.filter(isRole))] : [];
  return { userId, name, roles };
}
