import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { SignJWT, type JWK, type JWTPayload } from 'jose';
import { apiScopeFor } from '../shared/auth/api-scope.js';
import { ROLES_CLAIM, type Role } from '../shared/auth/roles.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../shared/auth/verify-token.js';
import { DEMO_USERS } from './demo-users.js';
import { authorizationServerRoutes, type SignInUser } from './issuer-authorization.js';
import { DEV_SIGNING_ALG, loadOrCreateSigningKey } from './issuer-key.js';

/**
 * The local stand-in for Entra ID: signs tokens for demo users with a persistent key and
 * publishes that key, so the API verifies local tokens exactly as it verifies Entra's (same
 * verifier, same claim names), only with AUTH_ISSUER / AUTH_AUDIENCE / AUTH_JWKS_URI pointing here.
 */
export interface DevIssuer {
  /** `${baseUrl}/api`, e.g. http://localhost:7071/api */
  issuer: string;
  audience: string;
  jwksUri: string;
  /** Where a browser signs in (OAuth 2.0 authorization code with PKCE): a page to pick a demo user. */
  authorizationEndpoint: string;
  /** Where a client trades the code (and its PKCE verifier) for tokens. */
  tokenEndpoint: string;
  /** The API's delegated scope here, `api://caseload-local/user_impersonation`. */
  apiScope: string;
  jwks: { keys: JWK[] };
  openidConfiguration(): object;
  /**
   * An access token for the API. With `clientId` and `scopes` (a token from the sign-in flow) it
   * also carries Entra's `azp` (the client) and `scp` (the granted scope names, space-separated).
   */
  signToken(user: { id: string; name: string; roles: readonly Role[] }, options?: AccessTokenOptions): Promise<string>;
  /** An OpenID Connect ID token for a client (aud = client id), for clients that asked for `openid`. */
  signIdToken(user: { id: string; name: string; roles: readonly Role[] }, options: { clientId: string; nonce?: string }): Promise<string>;
  /**
   * Signs exactly these claims with the issuer's key, unchecked: for tests that forge tokens the
   * API must refuse (issued in the future, living a century). signToken is for everything else.
   */
  signClaims(claims: JWTPayload): Promise<string>;
}

export interface AccessTokenOptions {
  expiresInSeconds?: number;
  /** The client the token was issued to (Entra's `azp`). */
  clientId?: string;
  /** The API scope names granted (Entra's `scp`), e.g. ['user_impersonation']. */
  scopes?: readonly string[];
}

export const DEV_AUDIENCE = 'api://caseload-local';
/** A working day, so a token fetched in the morning lasts; Entra's last 60-90 minutes. */
const DEFAULT_EXPIRES_IN_SECONDS = 8 * 60 * 60;
/** An ID token only proves the sign-in to the client: an hour, as Entra's. */
const ID_TOKEN_EXPIRES_IN_SECONDS = 60 * 60;
/** Where the issuer's key lives, under the data folder. */
export const DEV_ISSUER_KEY_DIR = 'dev-issuer';
const ISSUER_PATH = '/api';
const OPENID_CONFIGURATION_PATH = `${ISSUER_PATH}/.well-known/openid-configuration`;
const JWKS_PATH = `${ISSUER_PATH}/.well-known/jwks.json`;
const AUTHORIZATION_PATH = `${ISSUER_PATH}/oauth2/authorize`;
const TOKEN_PATH = `${ISSUER_PATH}/oauth2/token`;

export interface DevIssuerUrls {
  issuer: string;
  jwksUri: string;
  openidConfigurationUri: string;
  authorizationEndpoint: string;
  tokenEndpoint: string;
}

/** The dev issuer's URLs for a host origin. The one place the issuer formula lives. */
export function devIssuerUrls(baseUrl: string): DevIssuerUrls {
  const origin = baseUrl.replace(/\/+$/, '');
  return {
    issuer: `${origin}${ISSUER_PATH}`,
    jwksUri: `${origin}${JWKS_PATH}`,
    openidConfigurationUri: `${origin}${OPENID_CONFIGURATION_PATH}`,
    authorizationEndpoint: `${origin}${AUTHORIZATION_PATH}`,
    tokenEndpoint: `${origin}${TOKEN_PATH}`,
  };
}

/** Loads the issuer whose key lives in `<dataDir>/dev-issuer/`, creating the key on first use. */
export async function loadOrCreateDevIssuer(options: { dataDir: string; baseUrl: string }): Promise<DevIssuer> {
  const { issuer, jwksUri, authorizationEndpoint, tokenEndpoint } = devIssuerUrls(options.baseUrl);
  const key = await loadOrCreateSigningKey(join(options.dataDir, DEV_ISSUER_KEY_DIR));
  const apiScope = apiScopeFor(DEV_AUDIENCE);

  const sign = (claims: JWTPayload, subject: string, audience: string, lifetime: number) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: DEV_SIGNING_ALG, kid: key.kid, typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(subject)
      .setIssuedAt(now)
      .setNotBefore(now)
      .setExpirationTime(now + lifetime)
      .setJti(randomUUID())
      .sign(key.privateKey);
  };

  return {
    issuer,
    audience: DEV_AUDIENCE,
    jwksUri,
    authorizationEndpoint,
    tokenEndpoint,
    apiScope,
    jwks: { keys: [key.publicJwk] },
    openidConfiguration: () => ({
      issuer,
      authorization_endpoint: authorizationEndpoint,
      token_endpoint: tokenEndpoint,
      jwks_uri: jwksUri,
      // Authorization code with PKCE (S256) for public clients (the docs page, local consoles):
      // no client secrets, no implicit flow, no refresh tokens (sign in again; tokens last a day's work).
      response_types_supported: ['code'],
      response_modes_supported: ['query'],
      grant_types_supported: ['authorization_code'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none'],
      scopes_supported: ['openid', 'profile', apiScope],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [DEV_SIGNING_ALG],
      claims_supported: ['iss', 'aud', 'sub', 'oid', 'name', ROLES_CLAIM, 'azp', 'scp', 'nonce', 'iat', 'nbf', 'exp', 'jti'],
    }),
    async signToken(user, signOptions) {
      const lifetime = signOptions?.expiresInSeconds ?? DEFAULT_EXPIRES_IN_SECONDS;
      if (!Number.isInteger(lifetime) || lifetime <= 0) throw new RangeError('expiresInSeconds must be a positive integer');
      // The API refuses longer-lived tokens, as it refuses Entra's beyond that.
      if (lifetime > MAX_TOKEN_LIFETIME_SECONDS) throw new RangeError(`expiresInSeconds must be at most ${MAX_TOKEN_LIFETIME_SECONDS}`);
      // Entra's shape: oid is the user's object id (what the API uses as userId), roles an array;
      // a delegated token names its client (azp) and the scopes granted (scp).
      const delegated = {
        ...(signOptions?.clientId ? { azp: signOptions.clientId } : {}),
        ...(signOptions?.scopes?.length ? { scp: signOptions.scopes.join(' ') } : {}),
      };
      return sign({ oid: user.id, name: user.name, [ROLES_CLAIM]: [...user.roles], ...delegated }, user.id, DEV_AUDIENCE, lifetime);
    },
    signIdToken: (user, { clientId, nonce }) =>
      sign({ oid: user.id, name: user.name, [ROLES_CLAIM]: [...user.roles], ...(nonce ? { nonce } : {}) }, user.id, clientId, ID_TOKEN_EXPIRES_IN_SECONDS),
    signClaims: (claims) => new SignJWT(claims).setProtectedHeader({ alg: DEV_SIGNING_ALG, kid: key.kid, typ: 'JWT' }).sign(key.privateKey),
  };
}

/**
 * Request handler for the issuer's public documents and its sign-in endpoints, for the local host
 * to try before its own routes. Resolves true when it answered, false when the path is not one of
 * its own. Sign-in offers `users` (the demo users unless told otherwise).
 */
export function devIssuerRoutes(
  issuer: DevIssuer,
  options: { users?: readonly SignInUser[] } = {},
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const documents = new Map<string, () => object>([
    [OPENID_CONFIGURATION_PATH, () => issuer.openidConfiguration()],
    [JWKS_PATH, () => issuer.jwks],
  ]);
  const signIn = authorizationServerRoutes(issuer, { users: options.users ?? DEMO_USERS, authorizationPath: AUTHORIZATION_PATH, tokenPath: TOKEN_PATH });
  return async (req, res) => {
    const document = documents.get(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (document === undefined) return signIn(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return true;
    }
    const body = JSON.stringify(document());
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      // Public keys: any local tool (e.g. a browser client) may read them.
      'access-control-allow-origin': '*',
      'cache-control': 'no-cache',
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}
