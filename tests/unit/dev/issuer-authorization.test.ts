import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS, defaultDemoUser } from '../../../dev/demo-users.js';
import { authorizationServerRoutes, checkAuthorizationRequest, isLocalRedirect, pkceMatches } from '../../../dev/issuer-authorization.js';
import { devIssuerRoutes, loadOrCreateDevIssuer, type DevIssuer } from '../../../dev/issuer.js';
import { createTokenVerifier } from '../../../shared/auth/verify-token.js';
import { makeTempDir, removeTempDir } from '../../support/temp-dir.js';

const ORIGIN = 'http://localhost:7071';
const SCOPE = 'api://caseload-local/user_impersonation';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

const params = (overrides: Record<string, string | undefined> = {}) => {
  const values: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: 'caseload-docs',
    redirect_uri: `${ORIGIN}/api/docs/oauth2-redirect.html`,
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    state: 'xyz',
    ...overrides,
  };
  return new URLSearchParams(Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined));
};

describe('checkAuthorizationRequest', () => {
  it('accepts a PKCE code request back to a page of this host, granting the API scope by default', () => {
    expect(checkAuthorizationRequest(params(), ORIGIN, SCOPE)).toEqual({
      ok: true,
      request: { clientId: 'caseload-docs', redirectUri: `${ORIGIN}/api/docs/oauth2-redirect.html`, state: 'xyz', nonce: undefined, codeChallenge: CHALLENGE, scopes: [SCOPE] },
    });
    const withScopes = checkAuthorizationRequest(params({ scope: `openid ${SCOPE} profile`, nonce: 'n-1' }), ORIGIN, SCOPE);
    expect(withScopes).toMatchObject({ ok: true, request: { scopes: [SCOPE, 'openid', 'profile'], nonce: 'n-1' } });
    // Entra's ".default" names the same permission.
    expect(checkAuthorizationRequest(params({ scope: 'api://caseload-local/.default' }), ORIGIN, SCOPE)).toMatchObject({ ok: true, request: { scopes: [SCOPE] } });
  });

  it.each([
    ['no client_id', { client_id: undefined }, /client_id/],
    ['a client_id with spaces', { client_id: 'a b' }, /client_id/],
    ['no redirect_uri', { redirect_uri: undefined }, /redirect_uri is missing/],
    ['another site', { redirect_uri: 'https://evil.example/callback' }, /page of this host/],
    ['another port', { redirect_uri: 'http://localhost:7072/callback' }, /page of this host/],
    ['https instead of http', { redirect_uri: 'https://localhost:7071/callback' }, /page of this host/],
    ['a fragment', { redirect_uri: `${ORIGIN}/cb#x` }, /page of this host/],
    ['credentials', { redirect_uri: 'http://user:pw@localhost:7071/cb' }, /page of this host/],
    ['not a URL', { redirect_uri: '/api/docs/oauth2-redirect.html' }, /page of this host/],
  ])('never redirects for %s: the page says why', (_name, overrides, description) => {
    const check = checkAuthorizationRequest(params(overrides), ORIGIN, SCOPE);
    expect(check).toMatchObject({ ok: false, redirect: false });
    if (!check.ok) expect(check.description).toMatch(description);
  });

  it.each([
    ['response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
    ['no code_challenge', { code_challenge: undefined }, 'invalid_request'],
    ['plain PKCE', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['a malformed challenge', { code_challenge: 'short' }, 'invalid_request'],
    ['response_mode=fragment', { response_mode: 'fragment' }, 'invalid_request'],
    ['an unknown scope', { scope: 'https://graph.microsoft.com/User.Read' }, 'invalid_scope'],
    ["another API's scope", { scope: 'api://caseload/user_impersonation' }, 'invalid_scope'],
  ])('sends %s back to the client as an error, with its state', (_name, overrides, error) => {
    expect(checkAuthorizationRequest(params(overrides), ORIGIN, SCOPE)).toMatchObject({ ok: false, redirect: true, error, state: 'xyz', redirectUri: `${ORIGIN}/api/docs/oauth2-redirect.html` });
  });

  it('refuses repeated parameters (RFC 6749 section 3.1)', () => {
    const repeatedState = params();
    repeatedState.append('state', 'other');
    expect(checkAuthorizationRequest(repeatedState, ORIGIN, SCOPE)).toMatchObject({ ok: false, redirect: true, error: 'invalid_request' });
    const repeatedRedirect = params();
    repeatedRedirect.append('redirect_uri', `${ORIGIN}/other`);
    expect(checkAuthorizationRequest(repeatedRedirect, ORIGIN, SCOPE)).toMatchObject({ ok: false, redirect: false });
  });
});

describe('isLocalRedirect', () => {
  it('accepts the same port under another loopback name, nothing else', () => {
    expect(isLocalRedirect('http://127.0.0.1:7071/api/docs/oauth2-redirect.html', ORIGIN)).toBe(true);
    expect(isLocalRedirect('http://[::1]:7071/console/', ORIGIN)).toBe(true);
    expect(isLocalRedirect('http://localhost:7071/console/?from=x', ORIGIN)).toBe(true);
    expect(isLocalRedirect('http://example.test:7071/cb', ORIGIN)).toBe(false);
    expect(isLocalRedirect('http://127.0.0.1:80/cb', ORIGIN)).toBe(false);
    expect(isLocalRedirect('javascript:alert(1)', ORIGIN)).toBe(false);
  });
});

describe('pkceMatches', () => {
  it('checks S256 as RFC 7636 appendix B computes it', () => {
    expect(pkceMatches('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', CHALLENGE)).toBe(true);
    expect(pkceMatches('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXK', CHALLENGE)).toBe(false);
    expect(pkceMatches('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'short')).toBe(false);
  });
});

/** A real HTTP server running the issuer's routes, as the local host does. */
let root: string;
let server: Server;
let base: string;
let issuer: DevIssuer;
let handler: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
let clock = Date.now();

beforeAll(async () => {
  root = makeTempDir('caseload-sign-in-');
  server = createServer((req, res) => {
    void handler(req, res).then((answered) => {
      if (!answered) res.writeHead(404).end('not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://localhost:${(server.address() as AddressInfo).port}`;
  issuer = await loadOrCreateDevIssuer({ dataDir: root, baseUrl: base });
  const documents = devIssuerRoutes(issuer);
  // The sign-in endpoints with a clock the test moves (code expiry); everything else as served.
  const signIn = authorizationServerRoutes(issuer, { users: DEMO_USERS, authorizationPath: '/api/oauth2/authorize', tokenPath: '/api/oauth2/token', now: () => clock });
  handler = async (req, res) => (await signIn(req, res)) || documents(req, res);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  removeTempDir(root);
});

function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

const redirectUri = () => `${base}/api/docs/oauth2-redirect.html`;

function authorizeQuery(challenge: string, extra: Record<string, string> = {}): URLSearchParams {
  return new URLSearchParams({
    response_type: 'code',
    client_id: 'caseload-docs',
    redirect_uri: redirectUri(),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'state-1',
    ...extra,
  });
}

/** Picks a user on the sign-in page's form: what the browser posts when a button is pressed. */
async function pickUser(challenge: string, userId: string, extra: Record<string, string> = {}): Promise<Response> {
  const form = authorizeQuery(challenge, extra);
  form.set('user', userId);
  return fetch(issuer.authorizationEndpoint, { method: 'POST', body: form, redirect: 'manual' });
}

async function codeFor(challenge: string, userId: string, extra: Record<string, string> = {}): Promise<string> {
  const response = await pickUser(challenge, userId, extra);
  expect(response.status).toBe(303);
  const location = new URL(response.headers.get('location')!);
  expect(`${location.origin}${location.pathname}`).toBe(redirectUri());
  expect(location.searchParams.get('state')).toBe('state-1');
  return location.searchParams.get('code')!;
}

function exchange(code: string, verifier: string, overrides: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<Response> {
  const body = new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, client_id: 'caseload-docs', redirect_uri: redirectUri(), ...overrides });
  return fetch(issuer.tokenEndpoint, { method: 'POST', body, headers });
}

describe('sign-in over HTTP (authorization code with PKCE)', () => {
  it('offers every demo user on a page without scripts', async () => {
    const response = await fetch(`${issuer.authorizationEndpoint}?${authorizeQuery(pkcePair().challenge)}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'.*form-action 'self'.*frame-ancestors 'none'/);
    const html = await response.text();
    for (const user of DEMO_USERS) expect(html).toContain(`value="${user.id}"`);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain(`<form method="post" action="/api/oauth2/authorize">`);
  });

  it('redirects with a code, and trades it once for an access token the API accepts', async () => {
    const { verifier, challenge } = pkcePair();
    const manager = defaultDemoUser('manager');
    const code = await codeFor(challenge, manager.id);

    const response = await exchange(code, verifier);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 8 * 3600, scope: issuer.apiScope });
    expect(body.id_token).toBeUndefined();
    const claims = decodeJwt(body.access_token as string);
    expect(claims).toMatchObject({ iss: issuer.issuer, aud: issuer.audience, oid: manager.id, roles: ['manager'], azp: 'caseload-docs', scp: 'user_impersonation' });
    const verifier2 = createTokenVerifier({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri });
    expect(await verifier2.verify(`Bearer ${body.access_token as string}`)).toEqual({ ok: true, principal: { userId: manager.id, name: manager.name, roles: ['manager'] } });

    // Single use: the same code again is refused.
    const again = await exchange(code, verifier);
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('adds an ID token for the client, with its nonce, when openid is asked for', async () => {
    const { verifier, challenge } = pkcePair();
    const viewer = defaultDemoUser('viewer');
    const code = await codeFor(challenge, viewer.id, { client_id: 'caseload-console', scope: `openid profile ${issuer.apiScope}`, nonce: 'nonce-42' });
    const body = (await (await exchange(code, verifier, { client_id: 'caseload-console' })).json()) as Record<string, string>;
    expect(body.scope).toBe(`${issuer.apiScope} openid profile`);
    expect(decodeJwt(body.id_token!)).toMatchObject({ iss: issuer.issuer, aud: 'caseload-console', sub: viewer.id, name: viewer.name, roles: ['viewer'], nonce: 'nonce-42' });
    expect(decodeJwt(body.access_token!)).toMatchObject({ aud: issuer.audience, azp: 'caseload-console' });
  });

  it.each([
    ['a wrong verifier', (verifier: string) => ({ code_verifier: `${verifier.slice(0, -1)}${verifier.endsWith('A') ? 'B' : 'A'}` })],
    ['another client', () => ({ client_id: 'someone-else' })],
    ['another redirect_uri', () => ({ redirect_uri: 'http://localhost:1/other' })],
  ])('refuses the code with %s, and burns it', async (_name, change) => {
    const { verifier, challenge } = pkcePair();
    const code = await codeFor(challenge, defaultDemoUser('caseworker').id);
    const refused = await exchange(code, verifier, change(verifier));
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await exchange(code, verifier)).status).toBe(400);
  });

  it('refuses an expired code', async () => {
    const { verifier, challenge } = pkcePair();
    const code = await codeFor(challenge, defaultDemoUser('admin').id);
    clock += 5 * 60 * 1000 + 1;
    const response = await exchange(code, verifier);
    expect(await response.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/expired/) });
  });

  it('answers malformed token requests with OAuth errors', async () => {
    const { verifier } = pkcePair();
    expect(await (await exchange('x', verifier, { grant_type: 'client_credentials' })).json()).toMatchObject({ error: 'unsupported_grant_type' });
    expect(await (await exchange('x', 'too-short')).json()).toMatchObject({ error: 'invalid_request' });
    const json = await fetch(issuer.tokenEndpoint, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(json.status).toBe(415);
    expect((await fetch(issuer.tokenEndpoint)).status).toBe(405);
  });

  it('lets a page on another loopback name of this port exchange its code (CORS), and no one else', async () => {
    const port = new URL(base).port;
    const allowed = await exchange('unknown', pkcePair().verifier, {}, { origin: `http://127.0.0.1:${port}` });
    expect(allowed.headers.get('access-control-allow-origin')).toBe(`http://127.0.0.1:${port}`);
    const foreign = await exchange('unknown', pkcePair().verifier, {}, { origin: 'https://evil.example' });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('shows an untrusted redirect_uri on a page instead of going there, and sends other errors back to the client', async () => {
    const { challenge } = pkcePair();
    const foreign = await fetch(`${issuer.authorizationEndpoint}?${authorizeQuery(challenge, { redirect_uri: 'https://evil.example/cb' })}`, { redirect: 'manual' });
    expect(foreign.status).toBe(400);
    expect(foreign.headers.get('location')).toBeNull();
    expect(await foreign.text()).toContain('redirect_uri must be a page of this host');

    const implicit = await fetch(`${issuer.authorizationEndpoint}?${authorizeQuery(challenge, { response_type: 'token' })}`, { redirect: 'manual' });
    expect(implicit.status).toBe(302);
    const location = new URL(implicit.headers.get('location')!);
    expect(location.searchParams.get('error')).toBe('unsupported_response_type');
    expect(location.searchParams.get('state')).toBe('state-1');
  });

  it('refuses a user the page did not offer', async () => {
    const response = await pickUser(pkcePair().challenge, 'not-a-demo-user');
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
  });
});
