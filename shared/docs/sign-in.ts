import { apiScopeFor } from '../auth/api-scope.js';

/**
 * How the contract says a consumer authenticates, written once for the document generator
 * (shared/openapi/document.ts), the document this app serves (served-document.ts) and the docs
 * page: names of the security schemes, the API Management subscription key header, and the
 * OAuth 2.0 flow a browser signs in with.
 */

/** The security scheme of a browser sign-in: Entra ID's authorization code flow with PKCE. */
export const SIGN_IN_SCHEME = 'entraId';
/** The security scheme of the API Management subscription key. */
export const SUBSCRIPTION_KEY_SCHEME = 'subscriptionKey';
/** API Management's default subscription key header; bicep/modules/apim.bicep sets the same name. */
export const SUBSCRIPTION_KEY_HEADER = 'Ocp-Apim-Subscription-Key';

export interface SignInFlow {
  authorizationUrl: string;
  tokenUrl: string;
  refreshUrl: string;
  scopes: Record<string, string>;
}

const SCOPE_DESCRIPTION = 'Call Caseload as the signed-in user (the roles of the token decide what you may do)';

/** A flow for an issuer's endpoints and the API's audience. */
export function signInFlow(endpoints: { authorizationUrl: string; tokenUrl: string }, audience: string): SignInFlow {
  return { authorizationUrl: endpoints.authorizationUrl, tokenUrl: endpoints.tokenUrl, refreshUrl: endpoints.tokenUrl, scopes: { [apiScopeFor(audience)]: SCOPE_DESCRIPTION } };
}

/**
 * What the committed document says, where each deployment differs: Entra ID's v2.0 endpoints for
 * a tenant, and the scope docs/deploy.md creates on the API's app registration. The document a
 * deployment serves (GET /api/openapi.json) fills in its own values (served-document.ts), as the
 * Function App's settings hold them; locally, those of the dev issuer.
 */
export const SIGN_IN_PLACEHOLDERS = { tenantId: 'TENANT_ID', apiClientId: 'API_CLIENT_ID' } as const;

/** Entra ID's endpoints for a tenant; bicep/modules/functionapp.bicep writes the same URLs into the settings. */
export function entraEndpoints(tenantId: string, loginEndpoint = 'https://login.microsoftonline.com/'): { authorizationUrl: string; tokenUrl: string } {
  return {
    authorizationUrl: `${loginEndpoint}${tenantId}/oauth2/v2.0/authorize`,
    tokenUrl: `${loginEndpoint}${tenantId}/oauth2/v2.0/token`,
  };
}
