import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { readBearerToken } from './bearer.js';
import { hasIllFormedTextClaims, principalFromClaims } from './claims-to-principal.js';
import { tokenFailureFromJoseError } from './jose-failure.js';
import type { Principal } from './roles.js';
import { JwksUnavailableError, type TokenFailure } from './token-failure.js';

export { JwksUnavailableError, type TokenFailure } from './token-failure.js';

/*
 * Entra ID (Microsoft identity platform), v2.0 access tokens, single tenant:
 *   issuer   https://login.microsoftonline.com/{tenant-id}/v2.0
 *   audience the API's application (client) id, or its application id URI (api://...) for
 *            older v1.0-style registrations: AUTH_AUDIENCE must be whichever the tokens carry
 *   jwksUri  https://login.microsoftonline.com/{tenant-id}/discovery/v2.0/keys
 * The API registration must ask for v2.0 tokens (manifest: requestedAccessTokenVersion = 2,
 * formerly accessTokenAcceptedVersion); otherwise Entra issues v1.0 tokens whose iss is
 * https://sts.windows.net/{tenant-id}/ and the issuer check refuses them. Entra signs with RS256
 * and rotates its keys; the remote JWKS below refetches when a token names an unknown kid.
 * Locally, dev/issuer.ts plays Entra's part with the same claim names (oid, name, roles).
 */

export interface TokenVerifierOptions {
  issuer: string;
  audience: string;
  jwksUri: string;
  /** Allowed clock skew between us and the issuer for exp, nbf and iat. Default 300 (5 minutes). */
  clockToleranceSeconds?: number;
}

/**
 * Clock skew allowed between this app and the issuer when checking exp, nbf and iat: 5 minutes,
 * the default of Microsoft.IdentityModel, which most Entra-protected APIs use. Not a setting: the
 * issuer and the app both run on NTP-synchronised clocks in every environment.
 */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5 * 60;

/**
 * The longest a token may be valid (exp - iat), and the oldest it may be (now - iat): 24 hours.
 * Entra access tokens live 60-90 minutes by default, and a token lifetime policy can stretch them
 * to one day at most, so no genuine token for this API lives longer (continuous access evaluation
 * issues tokens of up to 28 hours, but only to resources that take part in it, which this API does
 * not; joining it would mean raising this). A token with a 100-year exp, however it was signed,
 * would otherwise outlive every revocation: refused outright, not merely waited out. Not a setting:
 * the ceiling follows from the identity provider, not from the environment.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 24 * 60 * 60;

export type VerifyResult = { ok: true; principal: Principal } | { ok: false; failure: TokenFailure };

export interface TokenVerifier {
  /**
   * Verifies the `Authorization` header value. Resolves with the caller or with why the token
   * was refused (401); rejects with JwksUnavailableError when the signing keys cannot be had (503).
   */
  verify(authorizationHeader: string | null | undefined): Promise<VerifyResult>;
}

// Asymmetric only: with an allow-list, `alg: none` and HS256 tokens (including the classic trick
// of HMAC-signing with the issuer's public key) are refused before any key is looked up.
const ALGORITHMS = ['RS256', 'ES256'];
// RFC 9068 (JWT access tokens) requires these; jose adds iss and aud because we check them. A
// token without exp would never expire; sub is the fallback user id.
const REQUIRED_CLAIMS = ['exp', 'iat', 'sub'];

export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const { issuer, audience } = options;
  if (issuer.trim() === '') throw new TypeError('Token verifier needs an issuer');
  if (audience.trim() === '') throw new TypeError('Token verifier needs an audience');
  const clockTolerance = options.clockToleranceSeconds ?? DEFAULT_CLOCK_TOLERANCE_SECONDS;
  if (!Number.isFinite(clockTolerance) || clockTolerance < 0) {
    throw new TypeError('clockToleranceSeconds must be a non-negative number');
  }
  const getKey = signingKeys(options.jwksUri);

  return {
    async verify(authorizationHeader) {
      const bearer = readBearerToken(authorizationHeader);
      if (!bearer.ok) return bearer;
      let payload;
      try {
        ({ payload } = await jwtVerify(bearer.token, getKey, {
          issuer,
          audience,
          algorithms: ALGORITHMS,
          requiredClaims: REQUIRED_CLAIMS,
          clockTolerance,
          // Also makes jose refuse an iat in the future (beyond the tolerance), which it otherwise ignores.
          maxTokenAge: MAX_TOKEN_LIFETIME_SECONDS,
        }));
      } catch (error) {
        if (error instanceof JwksUnavailableError) throw error;
        const failure = tokenFailureFromJoseError(error);
        if (failure === undefined) throw error;
        return { ok: false, failure };
      }
      // exp and iat are required numbers (jose checked them): a lifetime beyond what any genuine token has is refused.
      if (payload.exp! - payload.iat! > MAX_TOKEN_LIFETIME_SECONDS) {
        return { ok: false, failure: { reason: 'invalid', detail: `token lifetime (exp - iat) is longer than ${MAX_TOKEN_LIFETIME_SECONDS / 3600} hours` } };
      }
      if (hasIllFormedTextClaims(payload)) {
        return { ok: false, failure: { reason: 'invalid', detail: 'token claims hold text that is not well-formed Unicode' } };
      }
      const principal = principalFromClaims(payload);
      if (principal === undefined) {
        return { ok: false, failure: { reason: 'invalid', detail: 'token does not identify a user' } };
      }
      return { ok: true, principal };
    },
  };
}

/**
 * One remote key set per verifier, so keys are fetched once and cached (jose: refreshed after
 * 10 minutes, refetched on an unknown kid at most every 30 seconds, 5 second fetch timeout).
 * Errors that say "this token's key is not in the set" are the token's fault; anything else
 * (network, timeout, non-200, unreadable set) means the keys are unavailable.
 */
function signingKeys(jwksUri: string): JWTVerifyGetKey {
  const url = new URL(jwksUri);
  // Keys fetched over plain http could be swapped in transit, letting anyone mint tokens.
  if (url.protocol !== 'https:' && !isLoopback(url.hostname)) {
    throw new TypeError(`JWKS URI must use https (got ${url.protocol}//${url.host})`);
  }
  const remote = createRemoteJWKSet(url);
  return async (protectedHeader, token) => {
    try {
      return await remote(protectedHeader, token);
    } catch (error) {
      if (
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys ||
        error instanceof errors.JOSENotSupported
      ) {
        throw error;
      }
      throw new JwksUnavailableError(jwksUri, { cause: error });
    }
  };
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}
