import * as oauth from 'oauth4webapi';

/**
 * Signing the operator in: OAuth 2.0 authorization code with PKCE (S256), the flow Entra ID offers
 * single-page applications, against whatever the issuer's OpenID discovery document names (Entra in
 * Azure, the dev issuer locally). oauth4webapi does the protocol (discovery, PKCE, state, the code
 * exchange) so this file only decides where things are kept: the PKCE verifier and state for the
 * round trip, and the access token for the tab, in sessionStorage (gone when the tab closes).
 */

export interface SignInConfig {
  issuer: string;
  clientId: string;
  scope: string;
}

export interface Session {
  accessToken: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  name: string;
}

const PENDING_KEY = 'caseload.console.pending';
const SESSION_KEY = 'caseload.console.session';

/** The page itself, without the query the issuer added: the redirect URI registered for the console. */
export const redirectUri = (): string => `${location.origin}${location.pathname}`;

function requestOptions(config: SignInConfig) {
  // Only the local issuer is plain HTTP; anywhere else oauth4webapi insists on HTTPS, rightly.
  return new URL(config.issuer).protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {};
}

async function authorizationServer(config: SignInConfig): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(config.issuer);
  const response = await oauth.discoveryRequest(issuer, { ...requestOptions(config), algorithm: 'oidc' });
  return oauth.processDiscoveryResponse(issuer, response);
}

/** Sends the browser to the issuer's authorization endpoint. */
export async function startSignIn(config: SignInConfig): Promise<void> {
  const server = await authorizationServer(config);
  if (!server.authorization_endpoint) throw new Error('The issuer names no authorization endpoint.');
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state }));
  const url = new URL(server.authorization_endpoint);
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('redirect_uri', redirectUri());
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', config.scope);
  url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  location.assign(url.href);
}

/** On the way back from the issuer (?code=…&state=…): exchanges the code for a token. Undefined when this is no such return. */
export async function finishSignIn(config: SignInConfig): Promise<Session | undefined> {
  const current = new URL(location.href);
  if (!current.searchParams.has('code') && !current.searchParams.has('error')) return undefined;
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as { verifier: string; state: string } | null;
  sessionStorage.removeItem(PENDING_KEY);
  // The code is single use and the URL may be bookmarked: take it off the address bar at once.
  history.replaceState(null, '', redirectUri());
  if (!pending) throw new Error('This sign-in was not started here: sign in again.');
  const server = await authorizationServer(config);
  const client: oauth.Client = { client_id: config.clientId };
  const parameters = oauth.validateAuthResponse(server, client, current, pending.state);
  const response = await oauth.authorizationCodeGrantRequest(server, client, oauth.None(), parameters, redirectUri(), pending.verifier, requestOptions(config));
  const result = await oauth.processAuthorizationCodeResponse(server, client, response);
  const session: Session = {
    accessToken: result.access_token,
    expiresAt: Date.now() + (result.expires_in ?? 3600) * 1000,
    name: nameIn(result.access_token),
  };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

/** The session of this tab, while its token is valid. */
export function currentSession(): Session | undefined {
  const session = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null') as Session | null;
  if (!session || session.expiresAt - 30_000 < Date.now()) return undefined;
  return session;
}

export function signOut(): void {
  sessionStorage.removeItem(SESSION_KEY);
}

/** Who the token is for, to show: its `name` claim (the token is the API's to verify, not the page's). */
function nameIn(token: string): string {
  try {
    const payload = token.split('.')[1] ?? '';
    const bytes = Uint8Array.from(atob(payload.replace(/-/g, '+').replace(/_/g, '/')), (character) => character.charCodeAt(0));
    const json = new TextDecoder().decode(bytes);
    const claims = JSON.parse(json) as { name?: unknown; oid?: unknown };
    return typeof claims.name === 'string' ? claims.name : String(claims.oid ?? 'signed in');
  } catch {
    return 'signed in';
  }
}
