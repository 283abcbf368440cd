import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeJwt } from 'jose';
import { API_SCOPE_NAME } from '../shared/auth/api-scope.js';
import type { Role } from '../shared/auth/roles.js';
import type { DevIssuer } from './issuer.js';
import { signInErrorPage, signInPage } from './issuer-sign-in-page.js';

/**
 * The dev issuer's sign-in: OAuth 2.0 authorization code with PKCE (RFC 6749 section 4.1, RFC 7636),
 * the flow Entra ID offers browser clients, so the docs page's "Authorize" (and any other local
 * browser client) signs in here exactly as it would against Entra, picking a demo user instead of
 * typing a password.
 *
 * Who may use it: any client id (there is no registration to check it against, and every client
 * is public: no secret), but a code only ever goes to a redirect URI on the local host's own origin
 * (or the same port on another loopback name), so a page elsewhere cannot collect one; and PKCE (S256,
 * required) binds the code to the client that started the sign-in.
 */

/** A user the sign-in page offers. */
export interface SignInUser {
  id: string;
  name: string;
  role: Role;
  jurisdictions: readonly string[];
}

/** A code lives long enough for the redirect and the exchange; RFC 6749 advises at most 10 minutes. */
const CODE_LIFETIME_MS = 5 * 60 * 1000;
/** Outstanding codes kept at most; the oldest go first (a code never exchanged is just forgotten). */
const MAX_PENDING_CODES = 1000;
const MAX_FORM_BYTES = 16 * 1024;
/** RFC 7636 section 4.1: 43-128 unreserved characters. */
const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
/** base64url of a SHA-256 digest. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
const CLIENT_ID = /^[\x21-\x7E]{1,128}$/;
/** Scopes a client may ask for besides the API's own: OpenID Connect's (an ID token) and Entra's usual companions. */
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  state: string | undefined;
  nonce: string | undefined;
  codeChallenge: string;
  /** What was asked for, normalised (the API scope in full, OIDC scopes by name). */
  scopes: string[];
}

export type AuthorizationRequestCheck =
  | { ok: true; request: AuthorizationRequest }
  /** The client or redirect URI cannot be trusted: tell the user, never redirect (RFC 6749 section 4.1.2.1). */
  | { ok: false; redirect: false; description: string }
  /** Anything else goes back to the client as `error` and `error_description`. */
  | { ok: false; redirect: true; redirectUri: string; state: string | undefined; error: string; description: string };

/**
 * Checks an authorization request (the query of GET, the form of POST). Pure: `origin` is the
 * issuer's own origin and `apiScope` the scope it grants (`api://caseload-local/user_impersonation`).
 */
export function checkAuthorizationRequest(params: URLSearchParams, origin: string, apiScope: string): AuthorizationRequestCheck {
  const repeated = [...new Set([...params.keys()])].find((name) => params.getAll(name).length > 1);
  const one = (name: string) => params.get(name) ?? undefined;
  const clientId = one('client_id');
  const redirectUri = one('redirect_uri');
  if (clientId === undefined || !CLIENT_ID.test(clientId)) return { ok: false, redirect: false, description: 'client_id is missing or not 1-128 visible ASCII characters.' };
  if (redirectUri === undefined) return { ok: false, redirect: false, description: 'redirect_uri is missing.' };
  if (!isLocalRedirect(redirectUri, origin)) {
    return { ok: false, redirect: false, description: `redirect_uri must be a page of this host (${origin}, or the same port on another loopback name), without a fragment.` };
  }
  if (repeated === 'client_id' || repeated === 'redirect_uri') return { ok: false, redirect: false, description: `${repeated} is given more than once.` };

  const state = one('state');
  const fail = (error: string, description: string): AuthorizationRequestCheck => ({ ok: false, redirect: true, redirectUri, state, error, description });
  if (repeated !== undefined) return fail('invalid_request', `${repeated} is given more than once.`);
  if (one('response_type') !== 'code') return fail('unsupported_response_type', 'Only response_type=code (authorization code with PKCE) is offered.');
  const codeChallenge = one('code_challenge');
  if (codeChallenge === undefined) return fail('invalid_request', 'PKCE is required: send code_challenge and code_challenge_method=S256.');
  if (one('code_challenge_method') !== 'S256') return fail('invalid_request', 'code_challenge_method must be S256.');
  if (!S256_CHALLENGE.test(codeChallenge)) return fail('invalid_request', 'code_challenge must be the base64url SHA-256 of the code verifier (43 characters).');
  const mode = one('response_mode');
  if (mode !== undefined && mode !== 'query') return fail('invalid_request', 'Only response_mode=query is offered.');

  const requested = (one('scope') ?? '').split(' ').filter((scope) => scope !== '');
  const apiScopeDefault = `${apiScope.slice(0, apiScope.lastIndexOf('/'))}/.default`;
  const unknown = requested.filter((scope) => scope !== apiScope && scope !== apiScopeDefault && !OIDC_SCOPES.has(scope));
  if (unknown.length > 0) return fail('invalid_scope', `Unknown scope ${unknown.join(', ')}; this issuer grants ${apiScope} (and openid, profile).`);
  // Every token is for the API: asking for nothing, or for .default, grants its scope.
  const scopes = [...new Set([apiScope, ...requested.filter((scope) => OIDC_SCOPES.has(scope))])];
  return { ok: true, request: { clientId, redirectUri, state, nonce: one('nonce'), codeChallenge, scopes } };
}

/** A page of the host itself: same scheme and port, the issuer's host name or another loopback name, no fragment. */
export function isLocalRedirect(uri: string, origin: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  const own = new URL(origin);
  if (url.hash !== '' || uri.includes('#') || url.username !== '' || url.password !== '') return false;
  return isLocalOrigin(url.origin, own);
}

function isLocalOrigin(candidate: string, own: URL): boolean {
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return false;
  }
  if (url.protocol !== own.protocol || url.port !== own.port) return false;
  return url.hostname === own.hostname || (isLoopback(url.hostname) && isLoopback(own.hostname));
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** RFC 7636 section 4.6: BASE64URL(SHA256(ASCII(code_verifier))) == code_challenge. */
export function pkceMatches(verifier: string, challenge: string): boolean {
  const computed = Buffer.from(createHash('sha256').update(verifier, 'ascii').digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

interface PendingCode {
  request: AuthorizationRequest;
  user: SignInUser;
  expiresAt: number;
}

/**
 * The authorization and token endpoints as one request handler. Codes live in this process only:
 * a restart forgets the sign-ins under way, which just means signing in again.
 */
export function authorizationServerRoutes(
  issuer: DevIssuer,
  options: { users: readonly SignInUser[]; authorizationPath: string; tokenPath: string; now?: () => number },
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const origin = new URL(issuer.issuer).origin;
  const now = options.now ?? Date.now;
  const pending = new Map<string, PendingCode>();

  const issueCode = (request: AuthorizationRequest, user: SignInUser): string => {
    for (const [code, entry] of pending) if (entry.expiresAt <= now() || pending.size >= MAX_PENDING_CODES) pending.delete(code);
    const code = randomBytes(32).toString('base64url');
    pending.set(code, { request, user, expiresAt: now() + CODE_LIFETIME_MS });
    return code;
  };

  const authorize = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'POST') return void res.writeHead(405, { allow: 'GET, POST' }).end();
    const form = req.method === 'POST' ? await readForm(req, res) : url.searchParams;
    if (form === undefined) return;
    const check = checkAuthorizationRequest(form, origin, issuer.apiScope);
    if (!check.ok) {
      if (!check.redirect) return sendPage(res, 400, signInErrorPage(check.description), origin);
      return redirect(res, req.method === 'POST' ? 303 : 302, check.redirectUri, { error: check.error, error_description: check.description, state: check.state });
    }
    const { request } = check;
    if (req.method === 'GET') return sendPage(res, 200, signInPage({ request, users: options.users, action: url.pathname }), new URL(request.redirectUri).origin);

    const user = options.users.find((candidate) => candidate.id === form.get('user'));
    if (user === undefined) return sendPage(res, 400, signInErrorPage('Pick one of the users offered on the sign-in page.'), origin);
    redirect(res, 303, request.redirectUri, { code: issueCode(request, user), state: request.state });
  };

  const token = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const allowedOrigin = req.headers.origin !== undefined && isLocalOrigin(req.headers.origin, new URL(origin)) ? req.headers.origin : undefined;
    const cors: Record<string, string> = allowedOrigin ? { 'access-control-allow-origin': allowedOrigin, vary: 'Origin' } : {};
    const fail = (status: number, error: string, description: string) => sendJson(res, status, { error, error_description: description }, cors);
    if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST', ...cors }).end();
    const form = await readForm(req, res, cors);
    if (form === undefined) return;
    const repeated = [...new Set([...form.keys()])].find((name) => form.getAll(name).length > 1);
    if (repeated !== undefined) return fail(400, 'invalid_request', `${repeated} is given more than once.`);
    if (form.get('grant_type') !== 'authorization_code') return fail(400, 'unsupported_grant_type', 'Only grant_type=authorization_code is offered.');
    const code = form.get('code');
    const verifier = form.get('code_verifier');
    if (!code) return fail(400, 'invalid_request', 'code is missing.');
    if (!verifier || !CODE_VERIFIER.test(verifier)) return fail(400, 'invalid_request', 'code_verifier is missing or not 43-128 unreserved characters (RFC 7636).');
    const entry = pending.get(code);
    // Single use: a code is gone once presented, whatever the outcome.
    pending.delete(code);
    if (entry === undefined || entry.expiresAt <= now()) return fail(400, 'invalid_grant', 'The code is unknown, used or expired: sign in again.');
    const { request, user } = entry;
    if (form.get('client_id') !== request.clientId) return fail(400, 'invalid_grant', 'The code was issued to another client_id.');
    if (form.get('redirect_uri') !== request.redirectUri) return fail(400, 'invalid_grant', 'redirect_uri differs from the one the code was issued for.');
    if (!pkceMatches(verifier, request.codeChallenge)) return fail(400, 'invalid_grant', 'code_verifier does not match the code_challenge.');

    const principal = { id: user.id, name: user.name, roles: [user.role] };
    const accessToken = await issuer.signToken(principal, { clientId: request.clientId, scopes: [API_SCOPE_NAME] });
    const { exp = 0, iat = 0 } = decodeJwt(accessToken);
    const idToken = request.scopes.includes('openid') ? await issuer.signIdToken(principal, { clientId: request.clientId, nonce: request.nonce }) : undefined;
    sendJson(
      res,
      200,
      { access_token: accessToken, token_type: 'Bearer', expires_in: exp - iat, scope: request.scopes.join(' '), ...(idToken ? { id_token: idToken } : {}) },
      cors,
    );
  };

  return async (req, res) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === options.authorizationPath) await authorize(req, res, url);
    else if (url.pathname === options.tokenPath) await token(req, res);
    else return false;
    return true;
  };
}

/** An application/x-www-form-urlencoded body, or undefined after answering 413/415 itself. */
async function readForm(req: IncomingMessage, res: ServerResponse, headers: Record<string, string> = {}): Promise<URLSearchParams | undefined> {
  const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    req.resume();
    sendJson(res, 415, { error: 'invalid_request', error_description: 'Send the parameters as application/x-www-form-urlencoded.' }, headers);
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) {
      sendJson(res, 413, { error: 'invalid_request', error_description: `The form is larger than ${MAX_FORM_BYTES} bytes.` }, { ...headers, connection: 'close' });
      req.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function redirect(res: ServerResponse, status: 302 | 303, target: string, params: Record<string, string | undefined>): void {
  const location = new URL(target);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) location.searchParams.set(name, value);
  res.writeHead(status, { location: location.href, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' }).end();
}

function sendJson(res: ServerResponse, status: number, body: object, headers: Record<string, string>): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      // RFC 6749 section 5.1: tokens must not be cached.
      'cache-control': 'no-store',
      pragma: 'no-cache',
      ...headers,
    })
    .end(text);
}

function sendPage(res: ServerResponse, status: number, html: string, formTarget: string): void {
  res
    .writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(html),
      'cache-control': 'no-store',
      // No script at all; the form may only post here, and its answer redirect to the client's page.
      'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${formTarget}; frame-ancestors 'none'; base-uri 'none'`,
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
    })
    .end(html);
}
