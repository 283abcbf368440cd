import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { apiScopeFor } from '../auth/api-scope.js';
import { projectRoot } from '../config/package-info.js';
import type { Settings } from '../config/settings.js';
import { routeUrl } from '../http/routes.js';
import { OPENAPI_DOCUMENT_PATH } from '../openapi/document-file.js';

/**
 * The interactive API docs, served by the app itself from npm packages (swagger-ui-dist): no CDN,
 * so they work offline and under a strict CSP. "Try it" calls the API on the same origin, and
 * "Authorize" signs in with the issuer the deployment uses (Entra ID in Azure, the dev issuer
 * locally: authorization code with PKCE, back to oauth2-redirect.html).
 */

/**
 * Where the deployment package keeps the Swagger UI files it serves (relative to its root). The
 * package holds no node_modules, so the packager copies exactly SWAGGER_UI_FILES there.
 */
export const PACKAGED_SWAGGER_UI_DIR = 'assets/swagger-ui';
/** The only swagger-ui-dist files the pages load (the package leaves out the other 50 MB). */
export const SWAGGER_UI_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'oauth2-redirect.html', 'oauth2-redirect.js'] as const;

let swaggerUiDirCache: string | undefined;

/** The packaged copy when running from the deployment package, else the npm package (sources, tests). */
function swaggerUiDir(): string {
  if (swaggerUiDirCache) return swaggerUiDirCache;
  const packaged = join(projectRoot(), PACKAGED_SWAGGER_UI_DIR);
  swaggerUiDirCache = existsSync(packaged) ? packaged : dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return swaggerUiDirCache;
}

/** Where a docs file is served: absolute paths, so the page works at /api/docs and /api/docs/ alike. */
const asset = (file: string) => routeUrl('docsAsset', { file });
/** Where the sign-in comes back to: Swagger UI's own page, which hands the code to the docs page. */
export const OAUTH2_REDIRECT_FILE = 'oauth2-redirect.html';

/**
 * The script that starts Swagger UI, from a file (no inline script, so the page's CSP forbids inline
 * code). With a client id set, Authorize signs in with PKCE for the API's scope; without, it still
 * offers the bearer field.
 */
export function swaggerInitializer(settings: Settings): string {
  const config = {
    url: routeUrl('openapiDocument'),
    dom_id: '#swagger-ui',
    deepLinking: true,
    persistAuthorization: true,
    displayRequestDuration: true,
  };
  const signIn = settings.signIn.docsClientId
    ? `window.ui.initOAuth(${JSON.stringify({ clientId: settings.signIn.docsClientId, usePkceWithAuthorizationCodeGrant: true, scopes: [apiScopeFor(settings.auth.audience)] })});\n`
    : '';
  return `window.ui = SwaggerUIBundle(Object.assign(${JSON.stringify(config)}, {
  oauth2RedirectUrl: window.location.origin + ${JSON.stringify(asset(OAUTH2_REDIRECT_FILE))},
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
}));
${signIn}`;
}

export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Caseload API</title>
  <link rel="icon" type="image/png" href="${asset('favicon-32x32.png')}">
  <link rel="stylesheet" href="${asset('swagger-ui.css')}">
</head>
<body>
  <p style="font-family: sans-serif; margin: 1em 2em">Sign in under <b>Authorize</b> (locally, pick a demo user of the local issuer), or paste a bearer token (locally: <code>npm run -s token -- manager</code>).</p>
  <div id="swagger-ui"></div>
  <script src="${asset('swagger-ui-bundle.js')}"></script>
  <script src="${asset('swagger-initializer.js')}"></script>
</body>
</html>
`;

/**
 * Swagger UI needs inline styles and data: images; scripts come only from this origin; it may call
 * this origin and the issuer's token endpoint (the code-for-token exchange of the sign-in).
 */
export function docsCsp(settings: Settings): string {
  const tokenOrigin = settings.signIn.endpoints ? new URL(settings.signIn.endpoints.tokenUrl).origin : undefined;
  const connect = ["'self'", ...(tokenOrigin ? [tokenOrigin] : [])].join(' ');
  return `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src ${connect}; frame-ancestors 'none'`;
}

const fromSwaggerUi = (file: string) => () => readFileSync(join(swaggerUiDir(), file));

/** The files the docs pages load: an allow-list, so the route serves nothing else from disk. */
const ASSETS: Readonly<Record<string, { contentType: string; load: (settings: Settings) => Buffer | string; perDeployment?: boolean }>> = {
  'swagger-ui.css': { contentType: 'text/css; charset=utf-8', load: fromSwaggerUi('swagger-ui.css') },
  'swagger-ui-bundle.js': { contentType: 'text/javascript; charset=utf-8', load: fromSwaggerUi('swagger-ui-bundle.js') },
  'swagger-initializer.js': { contentType: 'text/javascript; charset=utf-8', load: swaggerInitializer, perDeployment: true },
  'favicon-32x32.png': { contentType: 'image/png', load: fromSwaggerUi('favicon-32x32.png') },
  [OAUTH2_REDIRECT_FILE]: { contentType: 'text/html; charset=utf-8', load: fromSwaggerUi(OAUTH2_REDIRECT_FILE) },
  'oauth2-redirect.js': { contentType: 'text/javascript; charset=utf-8', load: fromSwaggerUi('oauth2-redirect.js') },
};
export const DOCS_ASSET_NAMES = Object.keys(ASSETS) as [string, ...string[]];

const cache = new Map<string, Buffer | string>();

/** A docs file, and whether it depends on this deployment's settings (then it is not cached for a day). */
export function docsAsset(name: string, settings: Settings): { contentType: string; body: Buffer | string; perDeployment: boolean } | undefined {
  const file = ASSETS[name];
  if (!file) return undefined;
  if (!cache.has(name)) cache.set(name, file.load(settings));
  return { contentType: file.contentType, body: cache.get(name)!, perDeployment: file.perDeployment === true };
}

let documentText: string | undefined;

/** The committed, generated OpenAPI document (the same file API Management imports). */
export function openApiDocumentText(): string {
  documentText ??= readFileSync(join(projectRoot(), OPENAPI_DOCUMENT_PATH), 'utf8');
  return documentText;
}
