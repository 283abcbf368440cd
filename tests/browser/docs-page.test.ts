import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDemoUser } from '../../dev/demo-users.js';
import { startLocalHost, type LocalHost } from '../integration/local-host.js';
import { launchChromium } from '../support/chromium.js';

/**
 * The docs page in a real browser (Debian's Chromium, driven by playwright-core): it renders every
 * operation of the contract from npm-served assets, at /api/docs and /api/docs/ alike; "Authorize"
 * signs in through the local issuer (authorization code with PKCE: a popup to pick a demo user,
 * back through oauth2-redirect.html) with no token pasted, and "Try it" then calls the local host.
 * .ci/run installs Chromium; set CHROMIUM_PATH to use another build.
 */
const artifacts = join(import.meta.dirname, '..', 'artifacts');

let host: LocalHost;
let browser: Browser;

beforeAll(async () => {
  host = await startLocalHost();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await host?.dispose();
});

/** Opens the docs page and waits for the operations; records requests that failed or were answered 4xx/5xx. */
async function openDocs(path: string): Promise<{ page: Page; failed: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
  const failed: string[] = [];
  page.on('requestfailed', (request) => failed.push(`${request.url()} (${request.failure()?.errorText})`));
  page.on('response', (response) => {
    if (response.status() >= 400) failed.push(`${response.url()} → ${response.status()}`);
  });
  await page.goto(`${host.baseUrl}${path}`);
  await page.waitForSelector('.opblock', { timeout: 30_000 });
  return { page, failed };
}

/** Runs "Try it out" on an operation (its element id, e.g. Tasks-tasks-stats) and returns the status and body shown. */
async function tryIt(page: Page, id: string): Promise<{ status: string | undefined; body: string | null }> {
  const operation = page.locator(`#operations-${id}`);
  await operation.locator('.opblock-summary').click();
  await operation.locator('button.try-out__btn').click();
  await operation.locator('button.execute').click();
  const status = operation.locator('.live-responses-table tbody .response-col_status').first();
  await status.waitFor({ timeout: 15_000 });
  const body = await operation.locator('.live-responses-table tbody .response-col_description pre.microlight').first().textContent();
  return { status: (await status.textContent())?.trim(), body };
}

const authContainer = (page: Page, scheme: string): Locator => page.locator('.auth-container').filter({ has: page.locator('h4', { hasText: scheme }) });

describe('API docs page', () => {
  it('lists every operation at /api/docs/ (trailing slash) from this host alone, with a favicon', async () => {
    const document = await (await fetch(`${host.baseUrl}/api/openapi.json`)).json();
    const operationCount = Object.values(document.paths as Record<string, object>).reduce((sum, item) => sum + Object.keys(item).length, 0);
    for (const path of ['/api/docs/', '/api/docs']) {
      const { page, failed } = await openDocs(path);
      expect(await page.locator('.opblock').count(), path).toBe(operationCount);
      // Every asset came from this host and loaded: nothing failed, nothing was fetched from elsewhere.
      expect(failed, path).toEqual([]);
      const icon = await page.locator('link[rel="icon"]').getAttribute('href');
      const favicon = await fetch(new URL(icon!, page.url()));
      expect(favicon.status).toBe(200);
      expect(favicon.headers.get('content-type')).toBe('image/png');
      await page.close();
    }
  }, 90_000);

  it('signs in with Authorize through the local issuer (a demo user picked in a popup, no token pasted), then "Try it" answers 200 as that user', async () => {
    const { page, failed } = await openDocs('/api/docs');
    await page.click('button.authorize');
    const signIn = authContainer(page, 'entraId');
    // The client id and the API scope come from the page's start script (DOCS_OAUTH_CLIENT_ID, the dev issuer's scope).
    await expect.poll(() => signIn.locator('input[data-name="clientId"]').inputValue()).toBe('caseload-docs');
    const [popup] = await Promise.all([page.waitForEvent('popup'), signIn.locator('button.authorize').click()]);
    await popup.waitForLoadState();
    expect(await popup.title()).toBe('Sign in to Caseload (local)');
    const manager = defaultDemoUser('manager');
    await popup.locator(`button[value="${manager.id}"]`).click();
    // The popup goes back through oauth2-redirect.html, hands the code over and closes; the page trades it for a token.
    await popup.waitForEvent('close', { timeout: 15_000 });
    await signIn.locator('h6', { hasText: 'Authorized' }).waitFor({ timeout: 15_000 });
    await expect.poll(() => signIn.locator('button[aria-label="Remove authorization"]').count()).toBe(1);
    await page.click('button.btn-done');

    // The API sees the user picked in the popup.
    const { status, body } = await tryIt(page, 'Users-users-me');
    expect(status).toBe('200');
    expect(JSON.parse(body ?? '{}').data).toMatchObject({ id: manager.id, name: manager.name, roles: ['manager'] });
    expect(failed).toEqual([]);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'docs-page.png'), fullPage: false });
    await page.close();
  }, 90_000);

  it('also takes a pasted bearer token (npm run -s token)', async () => {
    const { page } = await openDocs('/api/docs');
    await page.click('button.authorize');
    await authContainer(page, 'bearer').first().locator('input').first().fill(await host.token('manager'));
    await authContainer(page, 'bearer').first().locator('button.authorize').click();
    await page.click('button.btn-done');
    const { status, body } = await tryIt(page, 'Tasks-tasks-stats');
    expect(status).toBe('200');
    expect(typeof JSON.parse(body ?? '{}').data.total).toBe('number');
    await page.close();
  }, 90_000);
});
