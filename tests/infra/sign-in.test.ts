import { describe, expect, it } from 'vitest';
import { API_SCOPE_NAME, apiScopeFor } from '../../shared/auth/api-scope.js';
import { SETTING } from '../../shared/config/settings.js';
import { OAUTH2_REDIRECT_FILE } from '../../shared/docs/docs-site.js';
import { entraEndpoints } from '../../shared/docs/sign-in.js';
import { routeUrl } from '../../shared/http/routes.js';
import { sourceText } from './bicep-tree.js';
import { mainFile, moduleArgText, moduleFile, paramFiles, readRepoFile, varExpr } from './templates.js';

/**
 * The sign-in the contract describes is the one docs/deploy.md sets up and the templates configure:
 * one scope name, one identifier URI formula, one redirect page, one set of endpoints.
 */
const deploy = () => readRepoFile('docs/deploy.md');

function functionAppSetting(name: string): string {
  const expr = varExpr(moduleFile('functionapp'), 'appSettings');
  if (expr.type !== 'object') throw new Error('functionapp.bicep: var appSettings must be an object literal');
  const value = expr.props.find((p) => p.key === name)?.value;
  if (!value) throw new Error(`functionapp.bicep sets no ${name}`);
  return sourceText(moduleFile('functionapp'), value);
}

describe('Entra ID sign-in: the document, the deployment steps and the templates agree', () => {
  it('docs/deploy.md gives the API the identifier URI api://<client id> and creates the scope the document asks for', () => {
    expect(deploy()).toContain('--identifier-uris "api://$API_APP_ID"');
    // The scope apiScopeFor derives for a client id (v2 tokens carry the client id as aud) is that URI plus the name.
    expect(apiScopeFor('00000000-1111-2222-3333-444444444444')).toBe(`api://00000000-1111-2222-3333-444444444444/${API_SCOPE_NAME}`);
    expect(deploy()).toContain(`"value": "${API_SCOPE_NAME}", "type": "User"`);
    expect(deploy()).toContain(`"oauth2PermissionScopes": ['"$SCOPE"']`);
    expect(deploy()).toContain(`api://$API_APP_ID/${API_SCOPE_NAME}`);
  });

  it("docs/deploy.md registers the docs page as a SPA redirecting to Swagger UI's redirect page, and pre-authorises it on the scope", () => {
    expect(deploy()).toContain(`"spa": {\\"redirectUris\\": [\\"$GATEWAY${routeUrl('docsAsset', { file: OAUTH2_REDIRECT_FILE })}\\"]}`.replace('"spa"', '\\"spa\\"'));
    expect(deploy()).toMatch(/"preAuthorizedApplications": \[\{"appId": "'\$DOCS_APP_ID'", "delegatedPermissionIds": \["'\$SCOPE_ID'"\]\}\]/);
    expect(deploy()).toContain('azd env set CASELOAD_DOCS_CLIENT_ID "$DOCS_APP_ID"');
  });

  it('the docs client id reaches the app from CASELOAD_DOCS_CLIENT_ID, through every parameter path', () => {
    const parameters = JSON.parse(readRepoFile('bicep/main.parameters.json')) as { parameters: Record<string, { value: unknown }> };
    expect(parameters.parameters.docsClientId?.value).toBe('${CASELOAD_DOCS_CLIENT_ID}');
    for (const file of paramFiles()) expect(file.text, file.path).toContain("param docsClientId = readEnvironmentVariable('CASELOAD_DOCS_CLIENT_ID', '')");
    expect(moduleArgText('functionapp', 'docsClientId')).toBe('docsClientId');
    expect(functionAppSetting(SETTING.docsClientId)).toBe('docsClientId');
    expect(mainFile().text).toContain("param docsClientId string = ''");
  });

  it("the app's sign-in endpoints are the tenant's Entra ID v2.0 endpoints, as the document's flow names them", () => {
    const endpoints = entraEndpoints('${tenantId}', '${loginEndpoint}');
    expect(functionAppSetting(SETTING.authAuthorizationUrl)).toBe(`'${endpoints.authorizationUrl}'`);
    expect(functionAppSetting(SETTING.authTokenUrl)).toBe(`'${endpoints.tokenUrl}'`);
    // The issuer the app accepts tokens from is the same tenant's.
    expect(functionAppSetting(SETTING.authIssuer)).toBe("'${loginEndpoint}${tenantId}/v2.0'");
  });
});
