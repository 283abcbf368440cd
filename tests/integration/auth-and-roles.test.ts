import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as tokenCli } from '../../dev/token-cli.js';
import { contractViolations } from '../contract/contract-validator.js';
import { createTask, expectProblem, taskBody } from './fixtures.js';
import { startLocalHost, type LocalHost } from './local-host.js';

let host: LocalHost;
const CASEWORKER = 'c0000000-0000-4000-8000-000000000001';
const OTHER_CASEWORKER = 'c0000000-0000-4000-8000-000000000002';

beforeAll(async () => {
  host = await startLocalHost();
});
afterAll(async () => host?.dispose());

describe('authentication', () => {
  it('401 with a WWW-Authenticate challenge without a token', async () => {
    const response = await host.call('/v1/tasks');
    await expectProblem(response, 401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="caseload"');
  });

  it('401 invalid_token for a garbage, a foreign-signed and an expired token', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const foreign = await new SignJWT({ roles: ['admin'] })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer(`${host.baseUrl}/api`)
      .setAudience('api://caseload-local')
      .setSubject('x')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    for (const token of ['not.a.token', foreign]) {
      const response = await host.call('/v1/tasks', { headers: { authorization: `Bearer ${token}` } });
      await expectProblem(response, 401);
      expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    }
  });

  it('401 for a token issued in the future or living a century; a few minutes of clock skew are tolerated', async () => {
    const { issuer, audience, signClaims } = host.issuer();
    const now = Math.floor(Date.now() / 1000);
    const forge = (times: { iat: number; exp: number }) =>
      signClaims({ iss: issuer, aud: audience, sub: CASEWORKER, oid: CASEWORKER, name: 'Casey', roles: ['caseworker'], ...times });
    for (const [times, detail] of [
      [{ iat: now + 3600, exp: now + 7200 }, 'token was issued in the future'],
      [{ iat: now, exp: now + 100 * 365 * 86_400 }, 'token lifetime (exp - iat) is longer than 24 hours'],
      [{ iat: now - 25 * 3600, exp: now + 600 }, 'token is too old'],
    ] as const) {
      const response = await host.call('/v1/tasks?limit=1', { headers: { authorization: `Bearer ${await forge(times)}` } });
      const problem = await expectProblem(response, 401);
      expect(problem.detail).toBe(detail);
      expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    }
    const skewed = await forge({ iat: now + 120, exp: now + 3600 });
    expect((await host.call('/v1/tasks?limit=1', { headers: { authorization: `Bearer ${skewed}` } })).status).toBe(200);
  });

  it('400 invalid_request for two Authorization headers, whether sent as two lines or folded into one', async () => {
    const first = await host.token('caseworker');
    const second = await host.token('admin');
    const folded = new Headers();
    folded.append('authorization', `Bearer ${first}`);
    folded.append('authorization', `Bearer ${second}`);
    const response = await host.call('/v1/tasks?limit=1', { headers: folded });
    const problem = await expectProblem(response, 400, 'Authorization');
    expect(problem.errors).toEqual([{ in: 'header', field: 'Authorization', message: 'must be sent once, holding one bearer token' }]);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="caseload", error="invalid_request"');

    // Two header lines, as a client or proxy may send them: the host joins them with ", ".
    const twoLines = await new Promise<{ status: number; headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const request = httpRequest(`${host.baseUrl}/api/v1/tasks?limit=1`, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk) => (body += chunk)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      request.setHeader('authorization', [`Bearer ${first}`, `Bearer ${second}`]);
      request.on('error', reject).end();
    });
    expect(twoLines.status).toBe(400);
    expect(JSON.parse(twoLines.body).errors).toEqual(problem.errors);
    const headers = new Headers(Object.entries(twoLines.headers).map(([name, value]) => [name, String(value)]));
    expect(contractViolations({ method: 'GET', path: '/v1/tasks', status: twoLines.status, headers, body: twoLines.body })).toEqual([]);
  });

  it('serves the dev issuer metadata that tokens are checked against', async () => {
    const config = await (await fetch(`${host.baseUrl}/api/.well-known/openid-configuration`)).json();
    expect(config.issuer).toBe(`${host.baseUrl}/api`);
    const jwks = await (await fetch(config.jwks_uri)).json();
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('npm run token finds the running host through its data folder, without PORT, and the host accepts its token', async () => {
    const result = await tokenCli(['manager'], { CASELOAD_DATA_DIR: host.dataDir }, process.cwd());
    expect(result.stderr).toBe('');
    const response = await host.call('/v1/tasks/stats', { headers: { authorization: `Bearer ${result.stdout.trim()}` } });
    expect(response.status).toBe(200);
    // PORT pointing at no host: refused with what to set, and the host it found named.
    const elsewhere = await tokenCli(['manager'], { CASELOAD_DATA_DIR: host.dataDir, PORT: '1' }, process.cwd());
    expect(elsewhere).toMatchObject({ exitCode: 1, stdout: '' });
    expect(elsewhere.stderr).toContain(`The host running on ${host.dataDir} is at ${host.baseUrl}: unset PORT`);
  });

  it('signs a browser in through the dev issuer (authorization code with PKCE), with a token the host accepts', async () => {
    const config = await (await fetch(`${host.baseUrl}/api/.well-known/openid-configuration`)).json();
    const verifier = randomBytes(32).toString('base64url');
    const redirectUri = `${host.baseUrl}/api/docs/oauth2-redirect.html`;
    const form = new URLSearchParams({
      response_type: 'code',
      client_id: 'caseload-docs',
      redirect_uri: redirectUri,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: 's',
      user: CASEWORKER,
    });
    const picked = await fetch(config.authorization_endpoint, { method: 'POST', body: form, redirect: 'manual' });
    expect(picked.status).toBe(303);
    const code = new URL(picked.headers.get('location')!).searchParams.get('code')!;
    const exchange = { grant_type: 'authorization_code', code, code_verifier: verifier, client_id: 'caseload-docs', redirect_uri: redirectUri };
    const tokens = await (await fetch(config.token_endpoint, { method: 'POST', body: new URLSearchParams(exchange) })).json();
    const me = await host.call('/v1/users/me', { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(me.status).toBe(200);
    expect((await me.json()).data.id).toBe(CASEWORKER);
  });
});

describe('role rules', () => {
  it('viewer reads but cannot create, update or delete', async () => {
    const task = await createTask(host);
    expect((await host.call(`/v1/tasks/${task.id}`, { as: 'viewer' })).status).toBe(200);
    await expectProblem(await host.call('/v1/tasks', { method: 'POST', as: 'viewer', json: taskBody() }), 403);
    await expectProblem(await host.call(`/v1/tasks/${task.id}`, { method: 'PATCH', as: 'viewer', headers: { 'if-match': task.etag }, json: { title: 'x' } }), 403);
    await expectProblem(await host.call(`/v1/tasks/${task.id}`, { method: 'DELETE', as: 'viewer', headers: { 'if-match': task.etag } }), 403);
    const view = await (await host.call(`/v1/tasks/${task.id}`, { as: 'viewer' })).json();
    expect(view.data.allowedActions).toEqual([]);
  });

  it('caseworker creates tasks for themselves and sees only their own and unassigned tasks', async () => {
    const own = await createTask(host, {}, 'caseworker');
    expect(own.body.assignee).toBe(CASEWORKER);
    expect(own.body.allowedActions).toEqual(['unclaim', 'complete', 'cancel', 'update']);
    const someoneElses = await createTask(host, { assignee: OTHER_CASEWORKER });

    // Another caseworker's task does not exist for them: 404, not 403, on read and write.
    await expectProblem(await host.call(`/v1/tasks/${someoneElses.id}`, { as: 'caseworker' }), 404);
    await expectProblem(
      await host.call(`/v1/tasks/${someoneElses.id}`, { method: 'PATCH', as: 'caseworker', headers: { 'if-match': someoneElses.etag }, json: { title: 'x' } }),
      404,
    );
    await expectProblem(await host.call(`/v1/tasks/${someoneElses.id}`, { method: 'DELETE', as: 'caseworker', headers: { 'if-match': someoneElses.etag } }), 404);

    const mine = await (await host.call(`/v1/tasks?limit=100&caseId=${own.body.caseId}`, { as: 'caseworker' })).json();
    expect(mine.data.map((task: { id: string }) => task.id)).toEqual([own.id]);
    const notMine = await (await host.call(`/v1/tasks?caseId=${someoneElses.body.caseId}`, { as: 'caseworker' })).json();
    expect(notMine.data).toEqual([]);
    const anyPage = await (await host.call('/v1/tasks?limit=100', { as: 'caseworker' })).json();
    expect(anyPage.data.length).toBeGreaterThan(0);
    expect(anyPage.data.every((task: { assignee: string | null }) => task.assignee === CASEWORKER || task.assignee === null)).toBe(true);
  });

  it('caseworker updates their own task but cannot hand it to someone else', async () => {
    const own = await createTask(host, {}, 'caseworker');
    const started = await host.call(`/v1/tasks/${own.id}`, { method: 'PATCH', as: 'caseworker', headers: { 'if-match': own.etag }, json: { status: 'in_progress' } });
    expect(started.status).toBe(200);
    const etag = started.headers.get('etag')!;
    await expectProblem(
      await host.call(`/v1/tasks/${own.id}`, { method: 'PATCH', as: 'caseworker', headers: { 'if-match': etag }, json: { assignee: OTHER_CASEWORKER } }),
      403,
    );
    await expectProblem(await host.call('/v1/tasks', { method: 'POST', as: 'caseworker', json: taskBody({ assignee: OTHER_CASEWORKER }) }), 403);
  });

  it('manager assigns and updates any task but cannot delete', async () => {
    const task = await createTask(host, { assignee: OTHER_CASEWORKER }, 'admin');
    const response = await host.call(`/v1/tasks/${task.id}`, { method: 'PATCH', as: 'manager', headers: { 'if-match': task.etag }, json: { assignee: CASEWORKER } });
    expect(response.status).toBe(200);
    const json = await response.json();
    expect(json.data.allowedActions).toEqual(['assign', 'complete', 'cancel', 'update']);
    await expectProblem(await host.call(`/v1/tasks/${task.id}`, { method: 'DELETE', as: 'manager', headers: { 'if-match': json.data.etag } }), 403);
    // The caseworker now sees it.
    expect((await host.call(`/v1/tasks/${task.id}`, { as: 'caseworker' })).status).toBe(200);
  });

  it('a token with no Caseload role is forbidden', async () => {
    const token = await host.tokenWithRoles([]);
    const problem = await expectProblem(await host.call('/v1/tasks', { headers: { authorization: `Bearer ${token}` } }), 403);
    expect(problem.detail).toMatch(/no Caseload role/);
  });
});
