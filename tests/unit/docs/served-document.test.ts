import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSettings, SETTING, SettingsError } from '../../../shared/config/settings.js';
import { DOCS_PAGE, docsCsp, swaggerInitializer } from '../../../shared/docs/docs-site.js';
import { servedOpenApiDocument } from '../../../shared/docs/served-document.js';
import { SIGN_IN_SCHEME } from '../../../shared/docs/sign-in.js';
import { OPENAPI_DOCUMENT_PATH } from '../../../shared/openapi/document-file.js';
import { BASE_SETTINGS } from '../config/base-settings.js';

const committed = readFileSync(join(import.meta.dirname, '..', '..', '..', OPENAPI_DOCUMENT_PATH), 'utf8');
const TENANT = 'https://login.microsoftonline.com/7f0e1d2c-0000-4000-8000-000000000001';

const base = {
  ...BASE_SETTINGS,
  [SETTING.authIssuer]: `${TENANT}/v2.0`,
  [SETTING.authAudience]: '0d5c5a9e-1111-4000-8000-000000000002',
  [SETTING.authJwksUri]: `${TENANT}/discovery/v2.0/keys`,
};
const signIn = {
  [SETTING.authAuthorizationUrl]: `${TENANT}/oauth2/v2.0/authorize`,
  [SETTING.authTokenUrl]: `${TENANT}/oauth2/v2.0/token`,
  [SETTING.docsClientId]: 'a1b2c3d4-2222-4000-8000-000000000003',
};

describe('sign-in settings', () => {
  it('the two endpoints come together, or not at all', () => {
    expect(parseSettings(base).signIn).toEqual({ endpoints: undefined, docsClientId: undefined });
    expect(parseSettings({ ...base, ...signIn }).signIn).toEqual({
      endpoints: { authorizationUrl: signIn[SETTING.authAuthorizationUrl], tokenUrl: signIn[SETTING.authTokenUrl] },
      docsClientId: signIn[SETTING.docsClientId],
    });
    expect(() => parseSettings({ ...base, [SETTING.authAuthorizationUrl]: signIn[SETTING.authAuthorizationUrl] })).toThrow(SettingsError);
    expect(() => parseSettings({ ...base, ...signIn, [SETTING.authTokenUrl]: 'not a url' })).toThrow(/AUTH_TOKEN_URL/);
  });
});

describe('the OpenAPI document a deployment serves', () => {
  it("is the committed document with the deployment's sign-in flow instead of the placeholders, and nothing else changed", () => {
    const served = JSON.parse(servedOpenApiDocument(parseSettings({ ...base, ...signIn })));
    expect(served.components.securitySchemes[SIGN_IN_SCHEME].flows).toEqual({
      authorizationCode: {
        authorizationUrl: signIn[SETTING.authAuthorizationUrl],
        tokenUrl: signIn[SETTING.authTokenUrl],
        refreshUrl: signIn[SETTING.authTokenUrl],
        scopes: { [`api://${base[SETTING.authAudience]}/user_impersonation`]: expect.any(String) },
      },
    });
    const original = JSON.parse(committed);
    served.components.securitySchemes[SIGN_IN_SCHEME].flows = original.components.securitySchemes[SIGN_IN_SCHEME].flows;
    expect(served).toEqual(original);
  });

  it('is the committed document as it is when the deployment names no sign-in endpoints', () => {
    expect(servedOpenApiDocument(parseSettings(base))).toBe(committed);
  });

  it('names the dev issuer locally, with its scope under the local audience', () => {
    const local = parseSettings({
      ...base,
      [SETTING.authIssuer]: 'http://localhost:7071/api',
      [SETTING.authAudience]: 'api://caseload-local',
      [SETTING.authAuthorizationUrl]: 'http://localhost:7071/api/oauth2/authorize',
      [SETTING.authTokenUrl]: 'http://localhost:7071/api/oauth2/token',
    });
    const flow = JSON.parse(servedOpenApiDocument(local)).components.securitySchemes[SIGN_IN_SCHEME].flows.authorizationCode;
    expect(flow).toMatchObject({ authorizationUrl: 'http://localhost:7071/api/oauth2/authorize', scopes: { 'api://caseload-local/user_impersonation': expect.any(String) } });
  });
});

describe('the docs page', () => {
  it('loads everything by absolute path, so /api/docs/ works as /api/docs does, and has a favicon', () => {
    const references = [...DOCS_PAGE.matchAll(/(?:href|src)="([^"]+)"/g)].map((match) => match[1]);
    expect(references).toEqual(['/api/docs/favicon-32x32.png', '/api/docs/swagger-ui.css', '/api/docs/swagger-ui-bundle.js', '/api/docs/swagger-initializer.js']);
    expect(DOCS_PAGE).toContain('<link rel="icon" type="image/png"');
  });

  it('signs in with PKCE for the API scope when a client id is set, through Swagger UI\'s redirect page', () => {
    const script = swaggerInitializer(parseSettings({ ...base, ...signIn }));
    expect(script).toContain('"url":"/api/openapi.json"');
    expect(script).toContain('oauth2RedirectUrl: window.location.origin + "/api/docs/oauth2-redirect.html"');
    expect(script).toContain(
      `window.ui.initOAuth({"clientId":"${signIn[SETTING.docsClientId]}","usePkceWithAuthorizationCodeGrant":true,"scopes":["api://${base[SETTING.authAudience]}/user_impersonation"]});`,
    );
    expect(swaggerInitializer(parseSettings(base))).not.toContain('initOAuth');
  });

  it("may connect to this origin and the issuer's token endpoint only, and runs no inline script", () => {
    expect(docsCsp(parseSettings({ ...base, ...signIn }))).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' https://login.microsoftonline.com; frame-ancestors 'none'",
    );
    expect(docsCsp(parseSettings(base))).toContain("connect-src 'self';");
    expect(DOCS_PAGE).not.toMatch(/<script>(?!<)/);
  });
});
