import { errors } from 'jose';
import type { TokenFailure } from './token-failure.js';

/**
 * Translates a jose verification error into a TokenFailure, or undefined when the error did not
 * come from jose (a bug, which the caller rethrows rather than disguising it as a 401).
 *
 * Details are written here, not copied from jose: they name the failed check and, at most, a
 * claim name, so they can be logged and returned without leaking token contents.
 */
export function tokenFailureFromJoseError(error: unknown): TokenFailure | undefined {
  if (!(error instanceof errors.JOSEError)) return undefined;

  switch (error.code) {
    case errors.JWTExpired.code:
      return { reason: 'expired', detail: (error as errors.JWTExpired).claim === 'iat' ? 'token is too old' : 'token has expired' };
    case errors.JWTClaimValidationFailed.code:
      return { reason: 'invalid', detail: claimDetail(error as errors.JWTClaimValidationFailed) };
    case errors.JOSEAlgNotAllowed.code:
      return { reason: 'invalid', detail: 'token signing algorithm is not allowed' };
    case errors.JWSSignatureVerificationFailed.code:
      return { reason: 'invalid', detail: 'token signature is not valid' };
    case errors.JWKSNoMatchingKey.code:
      return { reason: 'invalid', detail: 'token was not signed by a known key' };
    case errors.JWKSMultipleMatchingKeys.code:
      return { reason: 'invalid', detail: 'token does not identify its signing key' };
    case errors.JWSInvalid.code:
    case errors.JWTInvalid.code:
      return { reason: 'malformed', detail: 'bearer token is not a well-formed JWT' };
    default:
      return { reason: 'invalid', detail: 'token was rejected' };
  }
}

function claimDetail(error: errors.JWTClaimValidationFailed): string {
  // jose only ever sets `claim` to a registered claim name it checked (iss, aud, nbf, ...).
  const claim = /^[a-z_]{1,32}$/i.test(error.claim) ? error.claim : 'unknown';
  if (error.reason === 'missing') return `token lacks the required "${claim}" claim`;
  if (claim === 'nbf') return 'token is not valid yet';
  // jose checks iat only against the maximum age, and fails this way when it lies in the future.
  if (claim === 'iat' && error.reason === 'check_failed') return 'token was issued in the future';
  if (error.reason === 'invalid') return `token "${claim}" claim has the wrong type`;
  return `token "${claim}" claim is not accepted`;
}
