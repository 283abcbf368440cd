import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { QUEUES, TOPICS } from '../../../shared/config/entities.js';

/**
 * Runs the embedded database + local Service Bus + local Functions host (with the fixture app in
 * tests/fixtures/service-bus/app) in a child process, as the host must own its process. The
 * TypeScript it needs is transpiled into node_modules/.cache (keeping the repository layout, so
 * relative imports such as ../../shared/config/entities.js resolve, and so packages resolve from
 * the project's node_modules) — no `npm run build`, which others' work in progress may break.
 */

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../..');
export const fixtureApp = join(repoRoot, 'tests/fixtures/service-bus/app');
const runnerPath = join(repoRoot, 'tests/fixtures/service-bus/runner.mjs');
/** Whole folders, and single files (only what the broker imports, not others' work in progress). */
const SOURCES: Array<[dir: string, only?: string]> = [['dev/functions-host'], ['dev/cosmos'], ['dev/service-bus'], ['shared/config', 'entities.ts']];

export function buildBroker(): { dir: string; cleanup: () => void } {
  const cacheRoot = join(repoRoot, 'node_modules/.cache/service-bus-tests');
  mkdirSync(cacheRoot, { recursive: true });
  const outDir = mkdtempSync(join(cacheRoot, 'build-'));
  // node_modules is a package-scope boundary: without this the output would load as CommonJS.
  writeFileSync(join(outDir, 'package.json'), JSON.stringify({ type: 'module' }));
  for (const [dir, only] of SOURCES) {
    mkdirSync(join(outDir, dir), { recursive: true });
    for (const file of readdirSync(join(repoRoot, dir)).filter((name) => name.endsWith('.ts') && (only === undefined || name === only))) {
      const { outputText } = ts.transpileModule(readFileSync(join(repoRoot, dir, file), 'utf8'), {
        fileName: file,
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true, esModuleInterop: true },
      });
      writeFileSync(join(outDir, dir, file.replace(/\.ts$/, '.js')), outputText);
    }
  }
  return { dir: outDir, cleanup: () => rmSync(outDir, { recursive: true, force: true }) };
}

const tempDirs: string[] = [];
export function tempDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'caseload-service-bus-'));
  tempDirs.push(dir);
  return dir;
}
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface Delivery {
  fn: string;
  body: Record<string, unknown> & { test?: string };
  meta: Record<string, unknown>;
  at: number;
  invocationId: string;
}

export interface BrokerProcess {
  url: string;
  logs: string[];
  /** Every delivery the fixture functions reported so far, in order. */
  deliveries: Delivery[];
  idle(timeoutMs?: number): Promise<void>;
  /** Graceful: SIGTERM, the runner closes broker, host and database in order. */
  stop(): Promise<void>;
  /** The crash: SIGKILL. */
  kill(): Promise<void>;
}

export async function startBrokerProcess(options: { build: string; dataDir: string; attach?: boolean; env?: Record<string, string> }): Promise<BrokerProcess> {
  const flags = options.attach === false ? ['--no-attach'] : [];
  const child = fork(runnerPath, [options.build, fixtureApp, options.dataDir, ...flags], {
    cwd: repoRoot,
    env: { ...process.env, OVERDUE_QUEUE_NAME: QUEUES.overdueTasks.name, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
    execArgv: [],
    // Lets the suite run the broker under another Node version (e.g. 22) than vitest's own.
    ...(process.env['FUNCTIONS_HOST_TEST_NODE'] ? { execPath: process.env['FUNCTIONS_HOST_TEST_NODE'] } : {}),
  });
  const logs: string[] = [];
  const stderr: string[] = [];
  const deliveries: Delivery[] = [];
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    logs.push(...lines);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));

  let nextId = 0;
  const pending = new Map<number, (reply: { ok: boolean; error?: string }) => void>();
  const ready = new Promise<string>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker process did not start in time; stderr: ${stderr.join('')}`)), 30_000);
    child.on('message', (message: { type?: string; id?: number; url?: string; message?: string } & Partial<Delivery>) => {
      if (message.type === 'delivery') deliveries.push(message as Delivery);
      else if (message.type === 'ready') {
        clearTimeout(timer);
        resolveReady(message.url ?? '');
      } else if (message.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`broker process failed to start: ${message.message}`));
      } else if (typeof message.id === 'number') pending.get(message.id)?.(message as { ok: boolean; error?: string });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`broker process exited with ${code} before it was ready; stderr: ${stderr.join('')}`));
    });
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = await ready;

  const call = (op: string, args: Record<string, unknown> = {}): Promise<void> =>
    new Promise((resolveCall, reject) => {
      const id = nextId++;
      pending.set(id, (reply) => (reply.ok ? resolveCall() : reject(new Error(reply.error))));
      child.send({ id, op, ...args });
    });

  return {
    url,
    logs,
    deliveries,
    idle: (timeoutMs = 20_000) => call('idle', { timeoutMs }),
    stop: () => signal(child, 'SIGTERM', exited),
    kill: () => signal(child, 'SIGKILL', exited),
  };
}

function signal(child: ChildProcess, name: NodeJS.Signals, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const force = name === 'SIGKILL' ? undefined : setTimeout(() => child.kill('SIGKILL'), 10_000);
  child.kill(name);
  return exited.finally(() => clearTimeout(force));
}

// ---- the admin API ----------------------------------------------------------------------------

export interface Reply<T = unknown> {
  status: number;
  contentType: string;
  body: T;
}

export async function request<T = Record<string, unknown>>(base: string, method: string, path: string, body?: unknown): Promise<Reply<T>> {
  const response = await fetch(`${base}${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: (text ? JSON.parse(text) : undefined) as T };
}

export interface Stats {
  active: number;
  scheduled: number;
  locked: number;
  deadLettered: number;
}

export const sendMessages = (base: string, entity: string, messages: unknown[]) =>
  request<{ accepted: number; duplicates: number }>(base, 'POST', `/admin/service-bus/${entity}/messages`, { messages });

export async function stats(base: string, entityPath: string): Promise<Stats> {
  const reply = await request<Stats>(base, 'GET', `/admin/service-bus/${entityPath}/stats`);
  if (reply.status !== 200) throw new Error(`stats ${entityPath}: ${reply.status}`);
  return reply.body;
}

export async function deadLetters(base: string, entityPath: string): Promise<Array<Record<string, unknown>>> {
  const reply = await request<{ messages: Array<Record<string, unknown>> }>(base, 'GET', `/admin/service-bus/${entityPath}/dead-letters?max=1000`);
  if (reply.status !== 200) throw new Error(`dead-letters ${entityPath}: ${reply.status}`);
  return reply.body.messages;
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const TOPIC = TOPICS.taskEvents.name;
export const AUDIT = `${TOPIC}/subscriptions/${TOPICS.taskEvents.subscriptions.audit}`;
export const NOTIFICATIONS = `${TOPIC}/subscriptions/${TOPICS.taskEvents.subscriptions.notifications}`;
export const OVERDUE = QUEUES.overdueTasks.name;
/** Every queue and subscription of shared/config/entities.ts (the broker serves whatever is there). */
export const ALL_RECEIVING = [
  ...Object.values(QUEUES).map((queue) => queue.name),
  ...Object.values(TOPICS).flatMap((topic) => Object.values(topic.subscriptions).map((name) => `${topic.name}/subscriptions/${name}`)),
].sort();
