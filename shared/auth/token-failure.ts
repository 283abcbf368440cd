/**
 * Why a request's bearer token was refused. Every reason is the caller's fault (HTTP 401); an
 * outage of the signing-key endpoint is not, so it is thrown as a JwksUnavailableError instead.
 * `detail` is safe to log and to return: it names the check that failed, never the token itself.
 */
export type TokenFailure = { reason: 'missing' | 'malformed' | 'invalid' | 'expired'; detail: string };

/**
 * The signing keys (JWKS) could not be fetched or read. The HTTP layer answers 503 rather than
 * 401: the caller's token may be perfectly good, and a 401 would send clients into a pointless
 * sign-in loop during an identity-provider or network outage.
 */
export class JwksUnavailableError extends Error {
  override readonly name = 'JwksUnavailableError';

  constructor(readonly jwksUri: string, options?: { cause?: unknown }) {
    super(`Signing keys could not be fetched from ${jwksUri}`, options);
  }
}
