import { resolve } from 'node:path';
import type { Role } from '../../shared/auth/roles.js';
import { defaultDemoUser } from '../../dev/demo-users.js';
import { loadOrCreateDevIssuer, type DevIssuer } from '../../dev/issuer.js';
import { contractViolations, requestViolations, type RequestViolation } from '../contract/contract-validator.js';
import { freePort } from '../../dev/free-port.js';
import type { NodeChild } from '../support/child-process.js';
import { launchLocalHost, runFunction, waitForIdleBroker } from '../support/local-host-process.js';
import { makeTempDir, removeTempDir } from '../support/temp-dir.js';

const projectDir = resolve(import.meta.dirname, '..', '..');

export interface LocalHost {
  baseUrl: string;
  dataDir: string;
  output: () => string;
  /** A token for the first demo user of a role, or for any user id and name. */
  token(role: Role, userId?: string): Promise<string>;
  /** A dev-issuer token with exactly these roles (possibly none). */
  tokenWithRoles(roles: Role[], userId?: string): Promise<string>;
  /** The dev issuer's name, audience, and a signature over exactly the claims given (to forge bad tokens). */
  issuer(): Pick<DevIssuer, 'issuer' | 'audience' | 'signClaims'>;
  /**
   * fetch against /api/..., with an optional role's token. Every request and response is checked
   * against the OpenAPI document (tests/contract): a response it does not describe fails, and so
   * does a request it refuses that the API accepted (the document would understate what the API
   * takes). `contract: false` only for calls that deliberately go outside the API (unknown routes,
   * wrong methods), which the host answers, not an operation.
   */
  call(path: string, init?: RequestInit & { as?: Role | { role: Role; userId: string }; json?: unknown; contract?: boolean }): Promise<Response>;
  /** POST /admin/functions/<name>: runs a timer (or any non-HTTP function) now. */
  runFunction(name: string): Promise<void>;
  /** The local broker's admin API (not under /api). */
  broker(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  /** Waits until the local broker has nothing active or locked (every delivered message settled). */
  brokerIdle(timeoutMs?: number): Promise<void>;
  /** Stops the process: SIGTERM (clean) or SIGKILL (a crash). */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts it again on the same port and data folder. */
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * Starts `dist/dev/start.js` (what `npm start` runs, after the build `npm test` does first) as a
 * child process on a free port and a fresh data folder, and waits until it serves.
 */
export async function startLocalHost(options: { env?: Record<string, string> } = {}): Promise<LocalHost> {
  let port = await freePort();
  const dataDir = makeTempDir('caseload-it-');
  let baseUrl = `http://localhost:${port}`;
  /** Every process started so far: output() spans restarts. */
  const launched: NodeChild[] = [];
  let issuer: DevIssuer | undefined;

  const launch = async () => {
    launched.push(await launchLocalHost({ projectDir, port, dataDir, env: options.env }));
    issuer ??= await loadOrCreateDevIssuer({ dataDir, baseUrl });
  };

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => launched.at(-1)?.stop(signal);

  const token = async (role: Role, userId?: string) => {
    const user = userId ? { id: userId, name: `Test ${role}` } : defaultDemoUser(role);
    return issuer!.signToken({ id: user.id, name: user.name, roles: [role] });
  };

  // A free port can be taken by another process between choosing it and listening (parallel
  // test files, other suites on the machine): the first start tries another port then.
  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      break;
    } catch (error) {
      if (attempt >= 3 || !String(error).includes('EADDRINUSE')) throw error;
      port = await freePort();
      baseUrl = `http://localhost:${port}`;
    }
  }
  return {
    baseUrl,
    dataDir,
    output: () => launched.map((host) => host.output()).join(''),
    token,
    tokenWithRoles: (roles, userId = 'no-role-user') => issuer!.signToken({ id: userId, name: 'Test user', roles }),
    issuer: () => issuer!,
    async call(path, init = {}) {
      const { as, json, contract = true, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (as) {
        const { role, userId } = typeof as === 'string' ? { role: as, userId: undefined } : as;
        headers.set('authorization', `Bearer ${await token(role, userId)}`);
      }
      if (json !== undefined) headers.set('content-type', headers.get('content-type') ?? 'application/json');
      const method = (rest.method ?? 'GET').toUpperCase();
      const body = json === undefined ? rest.body : JSON.stringify(json);
      const response = await fetch(`${baseUrl}/api${path}`, { ...rest, headers, ...(json === undefined ? {} : { body }) });
      if (contract) {
        const refused = requestViolations({ method, url: path, headers, body: await bodyText(body) });
        if (refused.length > 0 && response.status < 400 && !refusedItemByItem(refused, path, await response.clone().text())) {
          throw new Error(`The API accepted (${response.status}) a request the contract refuses:\n${refused.map((violation) => violation.message).join('\n')}`);
        }
        const violations = contractViolations({
          method,
          path: path.split('?')[0]!,
          status: response.status,
          headers: response.headers,
          body: await response.clone().text(),
        });
        if (violations.length > 0) throw new Error(`Response outside the API contract:\n${violations.join('\n')}`);
      }
      return response;
    },
    runFunction: (name) => runFunction(baseUrl, name),
    async broker(path, init = {}) {
      const { json, ...rest } = init;
      return fetch(`${baseUrl}/admin/service-bus${path}`, {
        ...rest,
        ...(json === undefined ? {} : { body: JSON.stringify(json), headers: { 'content-type': 'application/json' } }),
      });
    },
    brokerIdle: (timeoutMs = 60_000) => waitForIdleBroker(baseUrl, timeoutMs),
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    async dispose() {
      await stop();
      removeTempDir(dataDir);
    },
  };
}

/** The text of a request body as sent (strings, bytes and blobs; the suite sends nothing else). */
async function bodyText(body: RequestInit['body'] | undefined): Promise<string | undefined> {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) return Buffer.from(body as Uint8Array).toString('utf8');
  if (body instanceof Blob) return body.text();
  throw new Error('The test harness checks request bodies against the contract: send a string, bytes, a Blob or `json`');
}

/**
 * A batch validates each item on its own and answers 200 with a result per item: an item the
 * contract refuses is refused there (its result is a 4xx problem), not accepted. Then the request
 * was not accepted as a whole, and the item-level refusal is what the contract promises.
 */
function refusedItemByItem(violations: readonly RequestViolation[], path: string, responseBody: string): boolean {
  if (!/^\/v1\/tasks\/batch(\?|$)/.test(path)) return false;
  const items = violations.map((violation) => (violation.part === 'body' ? /^\/items\/(\d+)(\/|$)/.exec(violation.instancePath ?? '')?.[1] : undefined));
  if (items.some((item) => item === undefined)) return false;
  const results = (JSON.parse(responseBody) as { data?: { results?: { index: number; status: number }[] } }).data?.results ?? [];
  return items.every((item) => (results.find((result) => result.index === Number(item))?.status ?? 0) >= 400);
}
