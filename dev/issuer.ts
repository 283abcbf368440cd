import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { SignJWT, type JWK, type JWTPayload } from 'jose';
import { ROLES_CLAIM, type Role } from '../shared/auth/roles.js';
import { MAX_TOKEN_LIFETIME_SECONDS } from '../shared/auth/verify-token.js';
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
  jwks: { keys: JWK[] };
  openidConfiguration(): object;
  signToken(user: { id: string; name: string; roles: Role[] }, options?: { expiresInSeconds?: number }): Promise<string>;
  /**
   * Signs exactly these claims with the issuer's key, unchecked: for tests that forge tokens the
   * API must refuse (issued in the future, living a century). signToken is for everything else.
   */
  signClaims(claims: JWTPayload): Promise<string>;
}

export const DEV_AUDIENCE = 'api://caseload-local';
/** A working day, so a token fetched in the morning lasts; Entra's last 60-90 minutes. */
const DEFAULT_EXPIRES_IN_SECONDS = 8 * 60 * 60;
/** Where the issuer's key lives, under the data folder. */
export const DEV_ISSUER_KEY_DIR = 'dev-issuer';
const ISSUER_PATH = '/api';
const OPENID_CONFIGURATION_PATH = `${ISSUER_PATH}/.well-known/openid-configuration`;
const JWKS_PATH = `${ISSUER_PATH}/.well-known/jwks.json`;

/** The dev issuer's URLs for a host origin. The one place the issuer formula lives. */
export function devIssuerUrls(baseUrl: string): { issuer: string; jwksUri: string; openidConfigurationUri: string } {
  const origin = baseUrl.replace(/\/+$/, '');
  return {
    issuer: `${origin}${ISSUER_PATH}`,
    jwksUri: `${origin}${JWKS_PATH}`,
    openidConfigurationUri: `${origin}${OPENID_CONFIGURATION_PATH}`,
  };
}

/** Loads the issuer whose key lives in `<dataDir>/dev-issuer/`, creating the key on first use. */
export async function loadOrCreateDevIssuer(options: { dataDir: string; baseUrl: string }): Promise<DevIssuer> {
  const { issuer, jwksUri } = devIssuerUrls(options.baseUrl);
  const key = await loadOrCreateSigningKey(join(options.dataDir, DEV_ISSUER_KEY_DIR));

  return {
    issuer,
    audience: DEV_AUDIENCE,
    jwksUri,
    jwks: { keys: [key.publicJwk] },
    openidConfiguration: () => ({
      issuer,
      jwks_uri: jwksUri,
      // Discovery also lists authorization_endpoint; there is none: tokens come from `npm run token`.
      response_types_supported: ['token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [DEV_SIGNING_ALG],
      claims_supported: ['iss', 'aud', 'sub', 'oid', 'name', ROLES_CLAIM, 'iat', 'nbf', 'exp', 'jti'],
    }),
    async signToken(user, signOptions) {
      const lifetime = signOptions?.expiresInSeconds ?? DEFAULT_EXPIRES_IN_SECONDS;
      if (!Number.isInteger(lifetime) || lifetime <= 0) throw new RangeError('expiresInSeconds must be a positive integer');
      // The API refuses longer-lived tokens, as it refuses Entra's beyond that.
      if (lifetime > MAX_TOKEN_LIFETIME_SECONDS) throw new RangeError(`expiresInSeconds must be at most ${MAX_TOKEN_LIFETIME_SECONDS}`);
      const now = Math.floor(Date.now() / 1000);
      // Entra's shape: oid is the user's object id (what the API uses as userId), roles an array.
      return new SignJWT({ oid: user.id, name: user.name, [ROLES_CLAIM]: [...user.roles] })
        .setProtectedHeader({ alg: DEV_SIGNING_ALG, kid: key.kid, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(DEV_AUDIENCE)
        .setSubject(user.id)
        .setIssuedAt(now)
        .setNotBefore(now)
        .setExpirationTime(now + lifetime)
        .setJti(randomUUID())
        .sign(key.privateKey);
    },
    signClaims: (claims) => new SignJWT(claims).setProtectedHeader({ alg: DEV_SIGNING_ALG, kid: key.kid, typ: 'JWT' }).sign(key.privateKey),
  };
}

/**
 * Request handler for the issuer's public documents, for the local host to try before its own
 * routes. Returns true when it answered, false when the path is not one of its own.
 */
export function devIssuerRoutes(issuer: DevIssuer): (req: IncomingMessage, res: ServerResponse) => boolean {
  const documents = new Map<string, () => object>([
    [OPENID_CONFIGURATION_PATH, () => issuer.openidConfiguration()],
    [JWKS_PATH, () => issuer.jwks],
  ]);
  return (req, res) => {
    const document = documents.get(new URL(req.url ?? '/', 'http://localhost').pathname);
    if (document === undefined) return false;
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
