import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiScopeFor } from '../auth/api-scope.js';
import { projectRoot } from '../config/package-info.js';
import { SUBSCRIPTION_KEY_HEADER } from '../docs/sign-in.js';
import type { Settings } from '../config/settings.js';

/**
 * The operations console (/api/console): one page and its files, served by the app like the docs
 * page, so it is as safe behind API Management as the docs are. The page holds no data: the
 * script signs the operator in (OAuth 2.0 authorization code with PKCE against the issuer's OpenID
 * discovery document: Entra ID in Azure, the dev issuer locally) and reads admin-only endpoints
 * with the token. Its files come from npm packages (Pico CSS; oauth4webapi, bundled into
 * console.js from the browser code in console/) and are served from this origin: no CDN, and a
 * CSP with no inline script or style.
 */

/** Where the deployment package keeps the console's files; dev/package/build-package.ts writes them. */
export const PACKAGED_CONSOLE_DIR = 'assets/console';

/** The files the page loads: an allow-list, so the route serves nothing else from disk. */
export const CONSOLE_FILES = {
  'pico.min.css': 'text/css; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
} as const;
export type ConsoleFile = keyof typeof CONSOLE_FILES;
export const CONSOLE_FILE_NAMES = Object.keys(CONSOLE_FILES) as [ConsoleFile, ...ConsoleFile[]];

/** The package's copy; from the sources (tests, Core Tools on dist/), the one `npm run package` built. */
function consoleDir(): string {
  const root = projectRoot();
  const packaged = join(root, PACKAGED_CONSOLE_DIR);
  return existsSync(packaged) ? packaged : join(root, 'dist', 'app', PACKAGED_CONSOLE_DIR);
}

const files = new Map<ConsoleFile, Buffer>();

export function consoleAsset(name: ConsoleFile): { contentType: string; body: Buffer } {
  if (!files.has(name)) files.set(name, readFileSync(join(consoleDir(), name)));
  return { contentType: CONSOLE_FILES[name], body: files.get(name)! };
}

/** What the script needs to sign in: handed over as data attributes, since no inline script may run. */
export interface ConsoleSignIn {
  issuer: string;
  clientId: string;
  scope: string;
}

export function consoleSignIn(settings: Pick<Settings, 'auth' | 'consoleClientId'>): ConsoleSignIn {
  return { issuer: settings.auth.issuer, clientId: settings.consoleClientId ?? '', scope: apiScopeFor(settings.auth.audience) };
}

/**
 * Scripts and styles from this origin only, nothing inline; the script may call this origin and
 * the issuer (discovery and token endpoints); no forms, frames or base changes.
 */
export function consoleCsp(signIn: ConsoleSignIn): string {
  const issuerOrigin = new URL(signIn.issuer).origin;
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // Pico draws its icons as data: SVGs.
    "img-src 'self' data:",
    `connect-src 'self' ${issuerOrigin}`,
    "form-action 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character]!);

export function consolePage(signIn: ConsoleSignIn): string {
  return `<!doctype html>
<html lang="en" data-theme="light">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Caseload operations</title>
  <link rel="stylesheet" href="console/pico.min.css">
  <link rel="stylesheet" href="console/console.css">
  <script type="module" src="console/console.js"></script>
</head>
<body data-issuer="${escapeHtml(signIn.issuer)}" data-client-id="${escapeHtml(signIn.clientId)}" data-scope="${escapeHtml(signIn.scope)}" data-subscription-key-header="${SUBSCRIPTION_KEY_HEADER}">
  <header class="container">
    <nav>
      <ul><li><strong>Caseload operations</strong></li></ul>
      <ul>
        <li><input id="subscription-key" type="password" autocomplete="off" placeholder="Gateway subscription key" aria-label="API Management subscription key (needed behind the gateway)" hidden></li>
        <li id="who" class="muted"></li>
        <li><button id="sign-in" class="secondary" hidden>Sign in</button></li>
        <li><button id="sign-out" class="secondary outline" hidden>Sign out</button></li>
      </ul>
    </nav>
  </header>
  <main class="container">
    <p id="status" role="status">Loading…</p>
    <div id="overview" hidden>
      <p class="muted">Refreshed every 5 seconds · <span id="generated-at"></span></p>
      <section>
        <h2>Service Bus</h2>
        <p id="service-bus-error" role="alert" hidden></p>
        <table id="entities">
          <thead><tr><th>Entity</th><th>Path</th><th>Active</th><th>Scheduled</th><th>Dead-lettered</th><th></th></tr></thead>
          <tbody></tbody>
        </table>
      </section>
      <section id="dead-letters" hidden>
        <h3>Dead letters of <span id="dead-letters-entity"></span></h3>
        <table>
          <thead><tr><th>Message</th><th>Subject</th><th>Reason</th><th>Deliveries</th><th>Enqueued</th></tr></thead>
          <tbody></tbody>
        </table>
        <button id="replay">Replay them</button>
        <button id="close-dead-letters" class="secondary outline">Close</button>
      </section>
      <div class="grid">
        <article id="outbox"><header>Outbox backlog</header><p class="figure" data-field="tasksWaiting"></p><small data-field="oldest"></small></article>
        <article id="audit"><header>Audit lag</header><p class="figure" data-field="lag"></p><small data-field="detail"></small></article>
        <article id="notifications"><header>Notifications, last 24 hours</header><p class="figure" data-field="sent"></p><small data-field="detail"></small></article>
      </div>
      <section>
        <h2>Overdue backlog by jurisdiction</h2>
        <table id="overdue"><thead><tr><th>Jurisdiction</th><th>Overdue</th></tr></thead><tbody></tbody></table>
      </section>
      <section>
        <h2>Recent failures</h2>
        <table id="failures">
          <thead><tr><th>Entity</th><th>Message</th><th>Subject</th><th>Reason</th><th>Enqueued</th></tr></thead>
          <tbody></tbody>
        </table>
      </section>
    </div>
  </main>
</body>
</html>
`;
}
