import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../integration/local-host.js';
import { launchChromium } from '../support/chromium.js';

/**
 * The docs page in a real browser (Debian's Chromium, driven by playwright-core): it renders every
 * operation of the contract from npm-served assets and "Try it" calls the local host with a dev
 * token. .ci/run installs Chromium; set CHROMIUM_PATH to use another build.
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

describe('API docs page', () => {
  it('lists every operation and runs one "Try it" call with a dev token', async () => {
    const document = await (await fetch(`${host.baseUrl}/api/openapi.json`)).json();
    const operationCount = Object.values(document.paths as Record<string, object>).reduce((sum, item) => sum + Object.keys(item).length, 0);

    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    const failedRequests: string[] = [];
    page.on('requestfailed', (request) => failedRequests.push(request.url()));
    await page.goto(`${host.baseUrl}/api/docs`);
    await page.waitForSelector('.opblock', { timeout: 30_000 });
    expect(await page.locator('.opblock').count()).toBe(operationCount);
    // Every asset came from this host: nothing was fetched from elsewhere.
    expect(failedRequests).toEqual([]);

    await page.click('button.authorize');
    const token = await host.token('manager');
    await page.locator('.auth-container input').first().fill(token);
    await page.locator('.auth-btn-wrapper button.authorize').first().click();
    await page.click('button.btn-done');

    const operation = page.locator('#operations-Tasks-tasks-stats');
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('button.execute').click();
    const status = operation.locator('.live-responses-table tbody .response-col_status').first();
    await status.waitFor({ timeout: 15_000 });
    expect((await status.textContent())?.trim()).toBe('200');
    const body = await operation.locator('.live-responses-table tbody .response-col_description pre.microlight').first().textContent();
    expect(JSON.parse(body ?? '{}').data.total).toBeGreaterThan(0);

    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'docs-page.png'), fullPage: false });
  }, 90_000);
});
