import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHost, fixturesDir, type RunningHost, startHost } from './host-process.js';

let host: RunningHost;
let cleanup: () => void;

beforeAll(async () => {
  const build = buildHost();
  cleanup = build.cleanup;
  host = await startHost({
    hostEntry: build.entry,
    projectDir: join(fixturesDir, 'app'),
    env: { FIXTURE_QUEUE: 'work' },
    flags: ['--no-timers'],
  });
}, 30_000);

afterAll(async () => {
  await host?.stop();
  cleanup?.();
});

async function problem(response: Response): Promise<Record<string, unknown>> {
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  return (await response.json()) as Record<string, unknown>;
}

describe('routing', () => {
  it('serves under the host.json route prefix', () => {
    expect(host.apiBaseUrl).toBe(`${host.url}/api`);
  });

  it('lets a literal route beat a parameter route registered before it', async () => {
    expect(await (await fetch(`${host.apiBaseUrl}/v1/tasks/stats`)).json()).toEqual({ fn: 'tasks-stats' });
    expect(await (await fetch(`${host.apiBaseUrl}/v1/tasks/42`)).json()).toEqual({ fn: 'tasks-get', id: '42' });
  });

  it('lets an {id:int} route beat {name} for numbers only', async () => {
    expect(await (await fetch(`${host.apiBaseUrl}/items/7`)).json()).toEqual({ fn: 'items-by-id', id: '7' });
    expect(await (await fetch(`${host.apiBaseUrl}/items/seven`)).json()).toEqual({ fn: 'items-by-name', name: 'seven' });
  });

  it('uses the function name when no route is given', async () => {
    const response = await fetch(`${host.apiBaseUrl}/default-route`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('default route');
  });

  it('answers 404 with a problem for unknown paths and for routes outside the prefix', async () => {
    for (const path of ['/api/no-such-thing', '/v1/tasks/stats']) {
      const response = await fetch(`${host.url}${path}`);
      expect(response.status).toBe(404);
      expect(await problem(response)).toMatchObject({ status: 404, title: 'Not Found' });
    }
  });

  it('answers 405 with Allow when the path exists but the method does not', async () => {
    const response = await fetch(`${host.apiBaseUrl}/things/1`, { method: 'PATCH' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('DELETE, GET');
    expect(await problem(response)).toMatchObject({ status: 405 });
  });

  it('matches methods registered in lower case', async () => {
    const response = await fetch(`${host.apiBaseUrl}/echo/a`, { method: 'PUT', body: 'x' });
    expect(response.status).toBe(200);
  });

  it('hands over to extraRoutes first', async () => {
    const response = await fetch(`${host.apiBaseUrl}/.well-known/extra`);
    expect(await response.text()).toBe('handled by extraRoutes');
  });
});

describe('requests', () => {
  it('delivers method, url, params, query, headers and text body to the function', async () => {
    const response = await fetch(`${host.apiBaseUrl}/echo/first/second%20part?q=1&q=2&empty=&z=%C3%A9`, {
      method: 'POST',
      headers: { 'x-custom': 'custom value', 'content-type': 'text/plain' },
      body: 'hello body',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      method: 'POST',
      url: `${host.apiBaseUrl}/echo/first/second%20part?q=1&q=2&empty=&z=%C3%A9`,
      params: { a: 'first', b: 'second part' },
      // Repeated keys arrive joined with ',' as the Functions host sends them.
      query: { q: '1,2', empty: '', z: 'é' },
      custom: 'custom value',
      contentType: 'text/plain',
      body: 'hello body',
    });
  });

  it('leaves an optional parameter out when the path omits it', async () => {
    const response = await fetch(`${host.apiBaseUrl}/echo/only`, { method: 'POST', body: '' });
    expect(((await response.json()) as { params: unknown }).params).toEqual({ a: 'only' });
  });

  it('parses JSON bodies with request.json() and returns jsonBody with status and headers', async () => {
    const response = await fetch(`${host.apiBaseUrl}/echo-json`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Review case', tags: ['a', 'b'], n: 1.5 }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-echo')).toBe('yes');
    expect(await response.json()).toEqual({ received: { title: 'Review case', tags: ['a', 'b'], n: 1.5 } });
  });

  it('round-trips binary bodies byte for byte', async () => {
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const response = await fetch(`${host.apiBaseUrl}/binary`, { method: 'POST', body: bytes });
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from(bytes).reverse());
  });

  it('accepts bodies well above typical app limits (the host allows 100 MB)', async () => {
    const body = Buffer.alloc(5 * 1024 * 1024, 7);
    const response = await fetch(`${host.apiBaseUrl}/size`, { method: 'POST', body });
    expect(await response.json()).toEqual({ length: body.length });
  });

  it('refuses a declared body over 100 MB with 413 before reading it', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${host.apiBaseUrl}/size`);
      const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-length': String(100 * 1024 * 1024 + 1) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write('partial');
    });
    expect(status).toBe(413);
  });
});

describe('responses', () => {
  it('sends string bodies and cookies', async () => {
    const response = await fetch(`${host.apiBaseUrl}/text`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    expect(response.headers.getSetCookie()).toEqual(['session=a%20b; max-age=60; path=/; samesite=lax; httponly']);
    expect(await response.text()).toBe('plain text');
  });

  it('sends 204 and 304 with headers and no body', async () => {
    const deleted = await fetch(`${host.apiBaseUrl}/things/1`, { method: 'DELETE' });
    expect(deleted.status).toBe(204);
    expect(deleted.headers.get('x-deleted')).toBe('yes');
    expect(await deleted.text()).toBe('');

    const notModified = await fetch(`${host.apiBaseUrl}/things/1`, { headers: { 'if-none-match': '"v1"' } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('etag')).toBe('"v1"');
    expect(await notModified.text()).toBe('');
  });

  it('answers 200 with an empty body when the handler returns nothing', async () => {
    const response = await fetch(`${host.apiBaseUrl}/nothing`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('keeps connections alive', async () => {
    const response = await fetch(`${host.apiBaseUrl}/default-route`);
    await response.text();
    expect(response.headers.get('connection')).toBe('keep-alive');
  });

  it('turns a throwing handler into a generic 500 problem and logs the stack instead', async () => {
    const response = await fetch(`${host.apiBaseUrl}/boom`);
    expect(response.status).toBe(500);
    const body = await problem(response);
    expect(body).toMatchObject({ status: 500, title: 'Internal Server Error' });
    expect(body['detail']).toMatch(/^The function failed\. Invocation id: [0-9a-f-]{36}\.$/);
    const invocationId = String(body['detail']).match(/[0-9a-f-]{36}/)?.[0] ?? '';
    const logged = await host.waitForLog(/Functions\.boom' \(Failed/);
    expect(logged).toContain(invocationId);
    expect(logged).toContain('secret-internal-detail');
    expect(host.logs.join('\n')).toMatch(/at handler .*http\.mjs/);
  });
});

describe('hooks and logging', () => {
  it('runs appStart hooks, and applies handler changes made by preInvocation hooks', async () => {
    const state = (await (await fetch(`${host.apiBaseUrl}/state`)).json()) as { appStarted: boolean };
    expect(state.appStarted).toBe(true);
    expect(await (await fetch(`${host.apiBaseUrl}/hooked`)).text()).toBe('replaced by hook');
  });

  it('sends context.log/warn/error to the host log with function name and invocation id', async () => {
    const { invocationId } = (await (await fetch(`${host.apiBaseUrl}/logger`)).json()) as { invocationId: string };
    const scope = `[logger] (${invocationId})`;
    expect(await host.waitForLog(/hello from logger/)).toMatch(new RegExp(`info +${escape(scope)} hello from logger \\{ n: 1 \\}$`));
    expect(await host.waitForLog(/careful now/)).toMatch(new RegExp(`warn +${escape(scope)} careful now$`));
    expect(await host.waitForLog(/something bad/)).toMatch(new RegExp(`error ${escape(scope)} something bad$`));
    expect(await host.waitForLog(new RegExp(`Executed 'Functions.logger' \\(Succeeded, Id=${invocationId}`))).toBeTruthy();
  });

  it('lets log hooks rewrite messages before they are written', async () => {
    await fetch(`${host.apiBaseUrl}/logger`);
    expect(await host.waitForLog(/calling with token=/)).toMatch(/calling with token=\[redacted\]$/);
    expect(host.logs.join('\n')).not.toContain('abc123');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
