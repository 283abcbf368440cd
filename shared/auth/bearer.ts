import type { TokenFailure } from './token-failure.js';

// RFC 6750 section 2.1: `Bearer` 1*SP b64token. The scheme is case-insensitive (RFC 9110 11.1).
const BEARER = /^Bearer +(\S+)$/i;
// A compact JWS is three base64url segments. Checked here so garbage is refused as 'malformed'
// without costing a JWKS lookup. The signature may be empty only in an (always refused) alg:none
// token, which we let through to be refused as 'invalid' by the algorithm allow-list.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export type BearerResult = { ok: true; token: string } | { ok: false; failure: TokenFailure };

/** Extracts the compact JWT from an `Authorization` header value, without verifying it. */
export function readBearerToken(authorizationHeader: string | null | undefined): BearerResult {
  const header = authorizationHeader?.trim() ?? '';
  if (header === '') {
    return { ok: false, failure: { reason: 'missing', detail: 'no Authorization header' } };
  }
  const token = BEARER.exec(header)?.[1];
  if (token === undefined) {
    return {
      ok: false,
      failure: { reason: 'malformed', detail: 'Authorization header must be "Bearer <token>"' },
    };
  }
  if (!COMPACT_JWS.test(token)) {
    return { ok: false, failure: { reason: 'malformed', detail: 'bearer token is not a compact JWT' } };
  }
  return { ok: true, token };
}

/**
 * Whether an `Authorization` value holds more than one credential. A b64token has no comma, and
 * the Functions host joins a header sent several times into one value with ", " (as
 * `headers.get` does), so a comma means the header was repeated or lists several credentials:
 * RFC 6750 §3.1 calls that an invalid request (400), not an invalid token. Refusing it also
 * avoids choosing one of two tokens, which could be a different user than another component
 * in front of the app saw.
 */
export function holdsSeveralCredentials(authorizationHeader: string | null | undefined): boolean {
  return authorizationHeader?.includes(',') ?? false;
}
