import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotifyClient } from '../../../shared/notifications/notify-client.js';
import { NotifyError } from '../../../shared/notifications/notify-port.js';
import { LOCAL_NOTIFY_PATH, startLocalNotify, type LocalNotify } from '../../../dev/notify/index.js';
import { DEV_NOTIFY_TEMPLATES } from '../../../dev/notify/templates.js';

/**
 * The local Notify-compatible API (dev/notify) with the app's adapter over the official client
 * (shared/notifications/notify-client.ts): authentication as Notify does it, validation against
 * the templates, lookup by reference, and the injected faults mapped to NotifyErrors.
 */
let server: Server;
let notify: LocalNotify;
let baseUrl: string;
const dataDir = mkdtempSync(join(tmpdir(), 'caseload-notify-'));

beforeAll(async () => {
  notify = startLocalNotify({ dataDir });
  server = createServer((req, res) => {
    void notify.handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  baseUrl = `http://127.0.0.1:${address.port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

const assigned = DEV_NOTIFY_TEMPLATES.taskAssigned;
const personalisation = { task_title: 'Review', due_date: '1 February 2030 at 9am', task_link: 'http://x/tasks/1' };
const faults = (body: unknown) => fetch(`${baseUrl}/admin/notifications/faults`, { method: 'PUT', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
const send = (client = createNotifyClient(`${baseUrl}${LOCAL_NOTIFY_PATH}`, notify.apiKey()), reference = `ref-${Math.random()}`, values: Record<string, string> = personalisation) =>
  client.sendEmail({ templateId: assigned.id, emailAddress: 'casey@justice.example', personalisation: values, reference });

describe('the local Notify API with the official client', () => {
  it('accepts a correctly signed request, records the email and finds it by reference', async () => {
    const client = createNotifyClient(`${baseUrl}${LOCAL_NOTIFY_PATH}`, notify.apiKey());
    const { id } = await send(client, 'ref-found');
    expect(await client.findByReference('ref-found')).toEqual([{ id, status: 'delivered' }]);
    expect(await client.findByReference('ref-unknown')).toEqual([]);
    const listed = (await (await fetch(`${baseUrl}/admin/notifications?reference=ref-found`)).json()) as { notifications: unknown[] };
    expect(listed.notifications).toEqual([
      expect.objectContaining({ id, emailAddress: 'casey@justice.example', templateId: assigned.id, personalisation, reference: 'ref-found', createdAt: expect.any(String) }),
    ]);
  });

  it('refuses a token signed with another secret, for another service, or with a stale iat (403 AuthError)', async () => {
    const [, serviceId, secret] = /^(?:.*)-([0-9a-f-]{36})-([0-9a-f-]{36})$/.exec(notify.apiKey())!;
    const post = (token: string) =>
      fetch(`${baseUrl}${LOCAL_NOTIFY_PATH}/v2/notifications/email`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ template_id: assigned.id, email_address: 'a@b.example', personalisation }),
      });
    const now = Math.round(Date.now() / 1000);
    // As the client signs: HS256 with the key's secret, iss = service id, iat = now.
    const sign = (iss: string, iat: number, key: string) => new SignJWT({ iss, iat }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(key));
    expect((await post(await sign(serviceId!, now, secret!))).status).toBe(201);
    expect((await post(await sign(serviceId!, now, 'another-secret'))).status).toBe(403);
    expect((await post(await sign('00000000-0000-4000-8000-000000000000', now, secret!))).status).toBe(403);
    const stale = await post(await sign(serviceId!, now - 60, secret!));
    expect(stale.status).toBe(403);
    expect(await stale.json()).toEqual({ status_code: 403, errors: [{ error: 'AuthError', message: 'Error: Your system clock must be accurate to within 30 seconds' }] });
    expect((await fetch(`${baseUrl}${LOCAL_NOTIFY_PATH}/v2/notifications`)).status).toBe(401);
  });

  it('a missing placeholder is a 400 naming it, as Notify answers', async () => {
    await expect(send(undefined, 'ref-bad', { task_title: 'Review' })).rejects.toMatchObject({ status: 400, errorName: 'BadRequestError', message: 'Notify answered 400 BadRequestError: Missing personalisation: due_date, task_link' });
  });

  it('injected faults become NotifyErrors: 429 with Retry-After, 500, 403; and a lost answer after accepting', async () => {
    await faults({ status: 429, count: 1, retryAfterSeconds: 2 });
    await expect(send()).rejects.toMatchObject({ status: 429, isRateLimited: true, retryAfterSeconds: 2 });
    await faults({ status: 500, count: 1 });
    await expect(send()).rejects.toMatchObject({ status: 500 });
    await faults({ status: 403, count: 1 });
    await expect(send()).rejects.toMatchObject({ status: 403, isAuthFailure: true });
    await faults({ status: 500, count: 1, afterAccepting: true });
    await expect(send(undefined, 'ref-lost')).rejects.toBeInstanceOf(NotifyError);
    const client = createNotifyClient(`${baseUrl}${LOCAL_NOTIFY_PATH}`, notify.apiKey());
    expect(await client.findByReference('ref-lost')).toHaveLength(1);
    expect(await send()).toEqual({ id: expect.any(String) });
  });

  it('after a rotation the old key is refused and the new one works', async () => {
    const old = createNotifyClient(`${baseUrl}${LOCAL_NOTIFY_PATH}`, notify.apiKey());
    await fetch(`${baseUrl}/admin/notifications/api-key/rotate`, { method: 'POST' });
    await expect(send(old)).rejects.toMatchObject({ status: 403 });
    expect(await send()).toEqual({ id: expect.any(String) });
  });

  it('no answer at all is a NotifyError without a status (the send may or may not have happened)', async () => {
    const nowhere = createNotifyClient('http://127.0.0.1:9', notify.apiKey());
    await expect(send(nowhere)).rejects.toMatchObject({ status: undefined, message: expect.stringContaining('could not be reached') });
  });
});
