import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Role } from '../../shared/auth/roles.js';
import { TOPICS } from '../../shared/config/entities.js';
import { defaultDemoUser } from '../../dev/demo-users.js';
import { loadOrCreateDevIssuer, type DevIssuer } from '../../dev/issuer.js';
import { contractViolations } from '../contract/contract-validator.js';
import { freePort } from '../../dev/free-port.js';

const projectDir = resolve(import.meta.dirname, '..', '..');

/** Entities nobody consumes in this app yet never drain, so waiting for them is pointless. */
const UNCONSUMED = [`subscriptions/${TOPICS.taskEvents.subscriptions.notifications}`];


export interface LocalHost {
  baseUrl: string;
  dataDir: string;
  output: () => string;
  /** A token for the first demo user of a role, or for any user id and name. */
  token(role: Role, userId?: string): Promise<string>;
  /** A dev-issuer token with exactly these roles (possibly none). */
  tokenWithRoles(roles: Role[], userId?: string): Promise<string>;
  /**
   * fetch against /api/..., with an optional role's token. Every response is checked against the
   * OpenAPI document (tests/contract); `contract: false` only for calls that deliberately go
   * outside the API (unknown routes, wrong methods), which the host answers, not an operation.
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
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'caseload-it-'));
  const baseUrl = `http://localhost:${port}`;
  let child: ChildProcess | undefined;
  let log = '';
  let issuer: DevIssuer | undefined;

  const launch = async () => {
    const logStart = log.length;
    child = spawn(process.execPath, ['--enable-source-maps', join(projectDir, 'dist/dev/start.js')], {
      cwd: projectDir,
      env: { ...process.env, PORT: String(port), CASELOAD_DATA_DIR: dataDir, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`local host exited with ${child.exitCode}:\n${log}`);
      // The banner is printed once start-up work (the initial outbox relay) is done.
      if (log.slice(logStart).includes('Caseload is running')) break;
      if (Date.now() > deadline) throw new Error(`local host did not start within 60 s:\n${log}`);
      await new Promise((wait) => setTimeout(wait, 100));
    }
    issuer ??= await loadOrCreateDevIssuer({ dataDir, baseUrl });
  };

  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((done) => {
      running.once('exit', () => done());
      running.kill(signal);
    });
  };

  const token = async (role: Role, userId?: string) => {
    const user = userId ? { id: userId, name: `Test ${role}` } : defaultDemoUser(role);
    return issuer!.signToken({ id: user.id, name: user.name, roles: [role] });
  };

  await launch();
  return {
    baseUrl,
    dataDir,
    output: () => log,
    token,
    tokenWithRoles: (roles, userId = 'no-role-user') => issuer!.signToken({ id: userId, name: 'Test user', roles }),
    async call(path, init = {}) {
      const { as, json, contract = true, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (as) {
        const { role, userId } = typeof as === 'string' ? { role: as, userId: undefined } : as;
        headers.set('authorization', `Bearer ${await token(role, userId)}`);
      }
      if (json !== undefined) headers.set('content-type', headers.get('content-type') ?? 'application/json');
      const method = (rest.method ?? 'GET').toUpperCase();
      const response = await fetch(`${baseUrl}/api${path}`, { ...rest, headers, ...(json === undefined ? {} : { body: JSON.stringify(json) }) });
      if (contract) {
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
    async runFunction(name) {
      const response = await fetch(`${baseUrl}/admin/functions/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      if (response.status !== 202) throw new Error(`running ${name} answered ${response.status}: ${await response.text()}`);
    },
    async broker(path, init = {}) {
      const { json, ...rest } = init;
      return fetch(`${baseUrl}/admin/service-bus${path}`, {
        ...rest,
        ...(json === undefined ? {} : { body: JSON.stringify(json), headers: { 'content-type': 'application/json' } }),
      });
    },
    async brokerIdle(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { entities: stats } = (await (await fetch(`${baseUrl}/admin/service-bus`)).json()) as {
          entities: Record<string, { active: number; locked: number }>;
        };
        const busy = Object.entries(stats).filter(([path, entity]) => entity.active + entity.locked > 0 && !UNCONSUMED.some((name) => path.endsWith(name)));
        if (busy.length === 0) return;
        if (Date.now() > deadline) throw new Error(`broker not idle: ${JSON.stringify(stats)}`);
        await new Promise((wait) => setTimeout(wait, 100));
      }
    },
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
    async dispose() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
