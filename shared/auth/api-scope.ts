/**
 * The delegated permission (OAuth 2.0 scope) a client asks for to call this API as the signed-in
 * user. The API's app registration exposes it (docs/deploy.md creates it) under the identifier URI
 * `api://<client id>`; the dev issuer grants it under `api://caseload-local`. Written once: the
 * served OpenAPI document, the docs page, the dev issuer and the infrastructure tests read it here.
 */
export const API_SCOPE_NAME = 'user_impersonation';

/**
 * The full scope for an API audience: `<identifier URI>/user_impersonation`. An audience that is
 * already a URI (`api://...`, as locally) is the identifier URI; a bare client id (Entra v2 tokens
 * carry the client id as `aud`) gets the `api://` identifier URI docs/deploy.md gives it.
 */
export function apiScopeFor(audience: string): string {
  const identifierUri = /^[a-z][a-z0-9+.-]*:\/\//i.test(audience) ? audience.replace(/\/+$/, '') : `api://${audience}`;
  return `${identifierUri}/${API_SCOPE_NAME}`;
}
