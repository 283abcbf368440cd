import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTAINERS } from '../../shared/config/entities.js';
import { SUBSCRIPTION_KEY_HEADER } from '../../shared/docs/sign-in.js';
import { ensureLocalDatabase } from '../../dev/local-database.js';
import { freePort } from '../../dev/free-port.js';
import { createTask } from '../integration/fixtures.js';
import { startLocalHost, type LocalHost } from '../integration/local-host.js';
import { launchChromium } from '../support/chromium.js';
import { localDatabase } from '../support/local-database.js';

/**
 * The operations console in a real browser (Debian's Chromium, driven by playwright-core): an admin
 * signs in through the dev issuer (authorization code with PKCE), sees a dead letter appear after a
 * real failure of the audit writer, replays it from the page and sees the count drop. The page
 * must load everything from this host and break none of its CSP.
 */
const artifacts = join(import.meta.dirname, '..', 'artifacts');

let host: LocalHost;
let browser: Browser;
let cosmosPort: number;

beforeAll(async () => {
  cosmosPort = await freePort();
  host = await startLocalHost({ env: { CASELOAD_COSMOS_PORT: String(cosmosPort) } });
  await host.brokerIdle();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await host?.dispose();
});

const database = () => localDatabase(cosmosPort);

const auditDeadLetters = (page: Page) => page.locator('tr[data-entity="audit"] td[data-field="deadLettered"]');

describe('operations console', () => {
  it('signs an admin in, shows a dead letter after a failure, replays it from the page and shows the count drop', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    const violations: string[] = [];
    const foreign: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(host.baseUrl) && !request.url().startsWith('data:')) foreign.push(request.url());
    });

    await page.goto(`${host.baseUrl}/api/console`);
    await page.click('#sign-in');
    // The dev issuer's sign-in page: pick the demo admin.
    await page.waitForURL(/\/api\/oauth2\/authorize/);
    await page.click('button[name="user"][data-role="admin"]');
    // Back with ?code=…&state=…, which the page exchanges for a token and takes off the address bar.
    await page.waitForSelector('#overview:not([hidden])', { timeout: 15_000 }).catch(async (error: unknown) => {
      throw new Error(`the overview did not show; the page says: ${await page.textContent('#status')}`, { cause: error });
    });
    expect(page.url()).toBe(`${host.baseUrl}/api/console`);
    expect(await page.textContent('#who')).not.toBe('');
    await expect.poll(() => auditDeadLetters(page).textContent(), { timeout: 10_000 }).toBe('0');

    // A real failure: the audit writer's container is gone, so a new task's event is retried and dead-lettered.
    await database().container(CONTAINERS.audit.name).delete();
    const task = await createTask(host);
    await expect.poll(() => auditDeadLetters(page).textContent(), { timeout: 60_000, interval: 500 }).toBe('1');
    await expect.poll(() => page.locator('#failures tbody').textContent(), { timeout: 10_000 }).toContain('MaxDeliveryCountExceeded');

    // The operator looks at it, fixes the cause, and replays it from the page.
    await page.click('button[data-dead-letters="audit"]');
    await page.waitForSelector('#dead-letters:not([hidden]) tr[data-message-id]');
    expect(await page.locator('#dead-letters tr[data-message-id]').count()).toBe(1);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'console-dead-letter.png'), fullPage: true });
    await ensureLocalDatabase(database());
    await page.click('#replay');
    await expect.poll(() => auditDeadLetters(page).textContent(), { timeout: 30_000, interval: 500 }).toBe('0');
    await expect.poll(() => page.textContent('#status'), { timeout: 5_000 }).toContain('Replayed 1 message(s) of audit');
    await page.screenshot({ path: join(artifacts, 'console.png'), fullPage: true });

    // The replayed event reached the audit trail.
    await host.brokerIdle();
    const history = await (await host.call(`/v1/tasks/${task.id}/history`, { as: 'manager' })).json();
    expect(history.data.map((record: { type: string }) => record.type)).toEqual(['task.created']);

    // Behind API Management the admin routes need a subscription key: one entered on the page goes
    // with every data call from then on (the local host ignores it; the gateway would check it).
    const refreshed = page.waitForRequest((request) => request.url().endsWith('/api/v1/admin/overview') && request.headers()[SUBSCRIPTION_KEY_HEADER.toLowerCase()] === 'key-from-the-portal', { timeout: 15_000 });
    await page.fill('#subscription-key', 'key-from-the-portal');
    await page.dispatchEvent('#subscription-key', 'change');
    await refreshed;
    await page.reload();
    await expect.poll(() => page.inputValue('#subscription-key'), { timeout: 10_000 }).toBe('key-from-the-portal');

    expect(violations).toEqual([]);
    expect(foreign).toEqual([]);
  }, 150_000);

  it('serves the page with a CSP that allows no inline code, and refuses the overview to anyone but an admin', async () => {
    const page = await fetch(`${host.baseUrl}/api/console`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect((await host.call('/v1/admin/overview')).status).toBe(401);
    expect((await host.call('/v1/admin/overview', { as: 'manager' })).status).toBe(403);
    const overview = await (await host.call('/v1/admin/overview', { as: 'admin' })).json();
    expect(overview.data.serviceBus.entities.map((entity: { entity: string }) => entity.entity).sort()).toEqual(['audit', 'counters', 'notifications', 'operations', 'overdue-tasks']);
  });
});
