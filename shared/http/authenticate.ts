import type { HttpRequest } from '@azure/functions';
import type { Principal, Role } from '../auth/roles.js';
import { holdsSeveralCredentials } from '../auth/bearer.js';
import { JwksUnavailableError } from '../auth/verify-token.js';
import type { Services } from '../services.js';
import { ApiError } from './api-error.js';

const REALM = 'caseload';

/**
 * Verifies the bearer token and the coarse role gate. A repeated Authorization header is a 400
 * (invalid_request, RFC 6750 §3.1). 401 carries a WWW-Authenticate challenge
 * (RFC 6750) so clients know to fetch a token; 403 means the caller is known but not allowed.
 */
export async function authenticate(
  services: Pick<Services, 'tokenVerifier' | 'directory'>,
  request: HttpRequest,
  allowedRoles: readonly Role[] | undefined,
): Promise<Principal> {
  const authorization = request.headers.get('authorization');
  if (holdsSeveralCredentials(authorization)) {
    throw new ApiError('validation', 'Send one Authorization header with one bearer token.', {
      errors: [{ in: 'header', field: 'Authorization', message: 'must be sent once, holding one bearer token' }],
      headers: { 'WWW-Authenticate': `Bearer realm="${REALM}", error="invalid_request"` },
    });
  }
  let outcome;
  try {
    outcome = await services.tokenVerifier.verify(authorization);
  } catch (error) {
    if (error instanceof JwksUnavailableError) {
      throw new ApiError('unavailable', 'Tokens cannot be verified right now because the signing keys are unreachable. Retry shortly.', {
        headers: { 'Retry-After': '5' },
      });
    }
    throw error;
  }
  if (!outcome.ok) {
    const { reason, detail } = outcome.failure;
    const challenge =
      reason === 'missing'
        ? `Bearer realm="${REALM}"`
        : `Bearer realm="${REALM}", error="invalid_token", error_description="${detail.replace(/["\\]/g, '')}"`;
    throw new ApiError('unauthenticated', reason === 'missing' ? 'Send a bearer token in the Authorization header.' : detail, {
      headers: { 'WWW-Authenticate': challenge },
    });
  }
  const principal = outcome.principal;
  if (principal.roles.length === 0) {
    throw new ApiError('forbidden', 'Your account has no Caseload role. Ask an administrator to assign one.');
  }
  if (allowedRoles && !principal.roles.some((role) => allowedRoles.includes(role))) {
    throw new ApiError('forbidden', `This needs one of the roles: ${allowedRoles.join(', ')}.`);
  }
  return withWorkScope(services, principal);
}

/**
 * Adds the caller's work scope from the users directory, through the short-lived directory cache
 * (shared/auth/directory-cache.ts: a deactivation or a change of jurisdictions takes effect within
 * its lifetime, at once on the instance that made it). Everyone needs an
 * active directory entry, except admins: an admin with no entry is a break-glass account with
 * no scope restrictions; an admin whose entry is inactive is refused like anyone else.
 */
async function withWorkScope(services: Pick<Services, 'directory'>, principal: Principal): Promise<Principal> {
  const entry = await services.directory.get(principal.userId);
  if (entry && !entry.document.active) {
    throw new ApiError('forbidden', 'Your Caseload account is deactivated. Ask an administrator to reactivate it.');
  }
  if (!entry) {
    if (principal.roles.includes('admin')) return principal;
    throw new ApiError('forbidden', 'You are not registered in the Caseload users directory. Ask an administrator to add you.');
  }
  return {
    ...principal,
    name: principal.name ?? entry.document.name,
    workScope: { jurisdictions: entry.document.jurisdictions, locations: entry.document.locations },
  };
}
