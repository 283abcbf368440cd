import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEV_AUDIENCE, devIssuerRoutes, devIssuerUrls, loadOrCreateDevIssuer, type DevIssuer } from '../../../dev/issuer.js';
import { createTokenVerifier } from '../../../shared/auth/verify-token.js';
import { makeTempDir, removeTempDir } from '../../support/temp-dir.js';

const CASEY = { id: 'c0000000-0000-4000-8000-000000000001', name: 'Casey Caseworker', roles: ['caseworker' as const] };

/** A real local host whose request handler the test swaps; falls back to 404 like the host would. */
let server: Server;
let baseUrl: string;
let handler: ((req: IncomingMessage, res: ServerResponse) => Promise<boolean>) | undefined;
let root: string;
let dataDir: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    void (handler?.(req, res) ?? Promise.resolve(false)).then((answered) => {
      if (!answered) res.writeHead(404).end('not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  root = makeTempDir('caseload-issuer-');
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  removeTempDir(root);
});

let counter = 0;
beforeEach(() => {
  counter += 1;
  dataDir = join(root, `data-${counter}`);
});

afterEach(() => {
  handler = undefined;
});

function serve(issuer: DevIssuer): void {
  handler = devIssuerRoutes(issuer);
}

function verifierFor(issuer: DevIssuer) {
  return createTokenVerifier({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri });
}

describe('loadOrCreateDevIssuer', () => {
  it('derives its URLs from the base URL', async () => {
    const issuer = await loadOrCreateDevIssuer({ dataDir, baseUrl: 'http://localhost:7071/' });
    expect(issuer.issuer).toBe('http://localhost:7071/api');
    expect(issuer.jwksUri).toBe('http://localhost:7071/api/.well-known/jwks.json');
    expect(issuer.audience).toBe(DEV_AUDIENCE);
    expect(devIssuerUrls('http://localhost:7071')).toEqual({
      issuer: issuer.issuer,
      jwksUri: issuer.jwksUri,
      openidConfigurationUri: 'http://localhost:7071/api/.well-known/openid-configuration',
      authorizationEndpoint: 'http://localhost:7071/api/oauth2/authorize',
      tokenEndpoint: 'http://localhost:7071/api/oauth2/token',
    });
    expect(issuer.authorizationEndpoint).toBe('http://localhost:7071/api/oauth2/authorize');
    expect(issuer.tokenEndpoint).toBe('http://localhost:7071/api/oauth2/token');
    expect(issuer.apiScope).toBe('api://caseload-local/user_impersonation');
  });

  it('stores the private key as PKCS8 PEM, owner-only, and publishes only the public key', async () => {
    const issuer = await loadOrCreateDevIssuer({ dataDir, baseUrl });
    const keyFile = join(dataDir, 'dev-issuer', 'private-key.pem');
    if (process.platform !== 'win32') expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dataDir, 'dev-issuer'))).toEqual(['private-key.pem']);

    expect(issuer.jwks.keys).toHaveLength(1);
    const [jwk] = issuer.jwks.keys;
    expect(Object.keys(jwk ?? {}).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwk?.kid).toBe(await calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x: jwk?.x, y: jwk?.y }));
  });

  it('signs tokens with Entra-shaped claims and a default lifetime of 8 hours', async () => {
    const issuer = await loadOrCreateDevIssuer({ dataDir, baseUrl });
    const before = Math.floor(Date.now() / 1000);
    const token = await issuer.signToken(CASEY);
    const claims = decodeJwt(token);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: issuer.jwks.keys[0]?.kid, typ: 'JWT' });
    expect(claims).toMatchObject({
      iss: issuer.issuer,
      aud: DEV_AUDIENCE,
      sub: CASEY.id,
      oid: CASEY.id,
      name: CASEY.name,
      roles: ['caseworker'],
    });
    expect(claims.iat).toBeGreaterThanOrEqual(before);
    expect(claims.nbf).toBe(claims.iat);
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(8 * 60 * 60);
    expect(claims.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(decodeJwt(await issuer.signToken(CASEY)).jti).not.toBe(claims.jti);
  });

  it('honours expiresInSeconds and refuses nonsense lifetimes', async () => {
    const issuer = await loadOrCreateDevIssuer({ dataDir, baseUrl });
    const claims = decodeJwt(await issuer.signToken(CASEY, { expiresInSeconds: 60 }));
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(60);
    await expect(issuer.signToken(CASEY, { expiresInSeconds: 0 })).rejects.toThrow(RangeError);
    await expect(issuer.signToken(CASEY, { expiresInSeconds: 1.5 })).rejects.toThrow(RangeError);
    // Nothing the API would refuse: at most 24 hours.
    expect(decodeJwt(await issuer.signToken(CASEY, { expiresInSeconds: 24 * 3600 })).exp).toBeDefined();
    await expect(issuer.signToken(CASEY, { expiresInSeconds: 24 * 3600 + 1 })).rejects.toThrow(RangeError);
  });

  it('signs forged claims as given, which the API verifier refuses', async () => {
    const issuer = await loadOrCreateDevIssuer({ dataDir, baseUrl });
    serve(issuer);
    const now = Math.floor(Date.now() / 1000);
    const century = await issuer.signClaims({ iss: issuer.issuer, aud: issuer.audience, sub: CASEY.id, oid: CASEY.id, roles: ['caseworker'], iat: now, exp: now + 100 * 365 * 86_400 });
    expect(decodeJwt(century).exp).toBe(now + 100 * 365 * 86_400);
    expect(await verifierFor(issuer).verify(`Bearer ${century}`)).toMatchObject({ ok: false, failure: { reason: 'invalid' } });
  });

  it('issues tokens the API verifier accepts through the served JWKS', async () => {
    const issuer = await loadOrCreateDevIssuer({ dataDir, baseUrl });
    serve(issuer);
    const result = await verifierFor(issuer).verify(`Bearer ${await issuer.signToken(CASEY)}`);
    expect(result).toEqual({ ok: true, principal: { userId: CASEY.id, name: CASEY.name, roles: ['caseworker'] } });
  });

  it('reuses the stored key on the next start, so earlier tokens still verify', async () => {
    const first = await loadOrCreateDevIssuer({ dataDir, baseUrl });
    const oldToken = await first.signToken(CASEY);

    const restarted = await loadOrCreateDevIssuer({ dataDir, baseUrl });
    expect(restarted.jwks).toEqual(first.jwks);
    serve(restarted);
    expect((await verifierFor(restarted).verify(`Bearer ${oldToken}`)).ok).toBe(true);

    // Control: a different data folder means a different key, and the old token fails there.
    const other = await loadOrCreateDevIssuer({ dataDir: join(root, 'unrelated'), baseUrl });
    expect(other.jwks.keys[0]?.kid).not.toBe(first.jwks.keys[0]?.kid);
    serve(other);
    expect((await verifierFor(other).verify(`Bearer ${oldToken}`)).ok).toBe(false);
  });

  it('creates exactly one key when several processes start at once', async () => {
    const issuers = await Promise.all(Array.from({ length: 6 }, () => loadOrCreateDevIssuer({ dataDir, baseUrl })));
    const kids = new Set(issuers.map((issuer) => issuer.jwks.keys[0]?.kid));
    expect(kids.size).toBe(1);
    expect(await readdir(join(dataDir, 'dev-issuer'))).toEqual(['private-key.pem']);
  });

  it('refuses an unreadable key file instead of silently replacing it', async () => {
    await mkdir(join(dataDir, 'dev-issuer'), { recursive: true });
    await writeFile(join(dataDir, 'dev-issuer', 'private-key.pem'), 'not a key');
    await expect(loadOrCreateDevIssuer({ dataDir, baseUrl })).rejects.toThrow(/not a PKCS8 P-256 private key.*Delete/);
  });
});

describe('devIssuerRoutes', () => {
  let issuer: DevIssuer;
  beforeEach(async () => {
    issuer = await loadOrCreateDevIssuer({ dataDir, baseUrl });
    serve(issuer);
  });

  it('serves the OpenID configuration, pointing at the JWKS', async () => {
    const response = await fetch(devIssuerUrls(baseUrl).openidConfigurationUri);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual(issuer.openidConfiguration());
    expect(body).toMatchObject({ issuer: issuer.issuer, jwks_uri: issuer.jwksUri, id_token_signing_alg_values_supported: ['ES256'] });
    // Sign-in is advertised as Entra advertises it: authorization code with PKCE S256, public clients.
    expect(body).toMatchObject({
      authorization_endpoint: issuer.authorizationEndpoint,
      token_endpoint: issuer.tokenEndpoint,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['none'],
    });
    expect(body.scopes_supported).toContain(issuer.apiScope);
  });

  it('serves the JWKS at jwks_uri, ignoring a query string', async () => {
    const response = await fetch(`${issuer.jwksUri}?x=1`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(issuer.jwks);
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await fetch(issuer.jwksUri, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(issuer.jwksUri, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('leaves other paths to the host', async () => {
    for (const path of ['/api/tasks', '/.well-known/jwks.json', '/api/.well-known/jwks.json/extra']) {
      const response = await fetch(`${baseUrl}${path}`);
      expect(response.status).toBe(404);
      expect(await response.text()).toBe('not found');
    }
  });
});
