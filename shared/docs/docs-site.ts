import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { projectRoot } from '../config/package-info.js';
import { OPENAPI_DOCUMENT_PATH } from '../openapi/document-file.js';

/**
 * The interactive API docs, served by the app itself from npm packages (swagger-ui-dist): no CDN,
 * so they work offline and under a strict CSP. "Try it" calls the API on the same origin.
 */

/**
 * Where the deployment package keeps the Swagger UI files it serves (relative to its root). The
 * package holds no node_modules, so the packager copies exactly SWAGGER_UI_FILES there.
 */
export const PACKAGED_SWAGGER_UI_DIR = 'assets/swagger-ui';
/** The only swagger-ui-dist files the page loads (the package leaves out the other 50 MB). */
export const SWAGGER_UI_FILES = ['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png'] as const;

let swaggerUiDirCache: string | undefined;

/** The packaged copy when running from the deployment package, else the npm package (sources, tests). */
function swaggerUiDir(): string {
  if (swaggerUiDirCache) return swaggerUiDirCache;
  const packaged = join(projectRoot(), PACKAGED_SWAGGER_UI_DIR);
  swaggerUiDirCache = existsSync(packaged) ? packaged : dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return swaggerUiDirCache;
}

/** The scripts run from files (no inline script), so the page's CSP can forbid inline code. */
const INITIALIZER = `window.ui = SwaggerUIBundle({
  url: 'openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  persistAuthorization: true,
  displayRequestDuration: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

export const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Caseload API</title>
  <link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
  <p style="font-family: sans-serif; margin: 1em 2em">Locally, get a token with <code>npm run -s token -- manager</code> and paste it under <b>Authorize</b> (bearer).</p>
  <div id="swagger-ui"></div>
  <script src="docs/swagger-ui-bundle.js"></script>
  <script src="docs/swagger-initializer.js"></script>
</body>
</html>
`;

/** Swagger UI needs inline styles and data: images; scripts come only from this origin. */
export const DOCS_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/** The files the docs page loads: an allow-list, so the route serves nothing else from disk. */
const ASSETS: Readonly<Record<string, { contentType: string; load: () => Buffer | string }>> = {
  'swagger-ui.css': { contentType: 'text/css; charset=utf-8', load: () => readFileSync(join(swaggerUiDir(), 'swagger-ui.css')) },
  'swagger-ui-bundle.js': { contentType: 'text/javascript; charset=utf-8', load: () => readFileSync(join(swaggerUiDir(), 'swagger-ui-bundle.js')) },
  'swagger-initializer.js': { contentType: 'text/javascript; charset=utf-8', load: () => INITIALIZER },
  'favicon-32x32.png': { contentType: 'image/png', load: () => readFileSync(join(swaggerUiDir(), 'favicon-32x32.png')) },
};
export const DOCS_ASSET_NAMES = Object.keys(ASSETS) as [string, ...string[]];

const cache = new Map<string, Buffer | string>();

export function docsAsset(name: string): { contentType: string; body: Buffer | string } | undefined {
  const asset = ASSETS[name];
  if (!asset) return undefined;
  if (!cache.has(name)) cache.set(name, asset.load());
  return { contentType: asset.contentType, body: cache.get(name)! };
}

let documentText: string | undefined;

/** The committed, generated OpenAPI document (the same file API Management imports). */
export function openApiDocumentText(): string {
  documentText ??= readFileSync(join(projectRoot(), OPENAPI_DOCUMENT_PATH), 'utf8');
  return documentText;
}
