import type { HttpRequest } from '@azure/functions';
import type { Principal, Role } from '../auth/roles.js';
import { JwksUnavailableError } from '../auth/verify-token.js';
import { getServices } from '../services.js';
import { ApiError } from './api-error.js';

const REALM = 'caseload';

/**
 * Verifies the bearer token and the coarse role gate. 401 carries a WWW-Authenticate challenge
 * (RFC 6750) so clients know to fetch a token; 403 means the caller is known but not allowed.
 */
export async function authenticate(request: HttpRequest, allowedRoles: readonly Role[] | undefined): Promise<Principal> {
  let outcome;
  try {
    outcome = await getServices().tokenVerifier.verify(request.headers.get('authorization'));
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
  return principal;
}
