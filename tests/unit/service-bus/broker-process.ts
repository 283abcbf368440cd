import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUEUES, TOPICS } from '../../../shared/config/entities.js';
import { ipcRequests, spawnNode } from '../../support/child-process.js';
import { tempDirs } from '../../support/temp-dir.js';
import { transpileForChild } from '../../support/transpile.js';
import { waitUntil } from '../../support/wait.js';

/**
 * Runs the embedded database + local Service Bus + local Functions host (with the fixture app in
 * tests/fixtures/service-bus/app) in a child process, as the host must own its process. The
 * TypeScript it needs is transpiled into node_modules/.cache (see transpileForChild) — no
 * `npm run build`, which others' work in progress may break.
 */

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../..');
export const fixtureApp = join(repoRoot, 'tests/fixtures/service-bus/app');
const runnerPath = join(repoRoot, 'tests/fixtures/service-bus/runner.mjs');
/** Whole folders, and single files (only what the broker imports, not others' work in progress). */
const SOURCES = ['dev/functions-host', 'dev/cosmos', 'dev/service-bus', 'shared/config/entities.ts', 'shared/telemetry/trace-context.ts'];

export function buildBroker(): { dir: string; cleanup: () => void } {
  return transpileForChild(repoRoot, 'service-bus-tests', SOURCES);
}

const dataDirs = tempDirs('caseload-service-bus-');
export const tempDataDir = (): string => dataDirs.make();
export const removeTempDirs = (): void => dataDirs.removeAll();

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

type RunnerMessage = { type?: string; url?: string; message?: string } & Partial<Delivery>;

export async function startBrokerProcess(options: { build: string; dataDir: string; attach?: boolean; env?: Record<string, string> }): Promise<BrokerProcess> {
  const flags = options.attach === false ? ['--no-attach'] : [];
  const broker = spawnNode({
    name: 'broker process',
    script: runnerPath,
    args: [options.build, fixtureApp, options.dataDir, ...flags],
    cwd: repoRoot,
    env: { OVERDUE_QUEUE_NAME: QUEUES.overdueTasks.name, ...options.env },
    ipc: true,
    // Lets the suite run the broker under another Node version (e.g. 22) than vitest's own.
    execPath: process.env['FUNCTIONS_HOST_TEST_NODE'],
  });
  const deliveries: Delivery[] = [];
  // Listening from the start: a restarted broker may deliver what is left over before it is ready.
  broker.child.on('message', (message: RunnerMessage) => {
    if (message.type === 'delivery') deliveries.push(message as Delivery);
  });
  const call = ipcRequests<{ id: number; ok: boolean; error?: string }>(broker.child);
  const ready = await broker.waitForMessage<RunnerMessage>((message) => message.type === 'ready' || message.type === 'error', 30_000);
  if (ready.type === 'error') throw new Error(`broker process failed to start: ${ready.message}`);

  return {
    url: ready.url ?? '',
    logs: broker.lines,
    deliveries,
    idle: async (timeoutMs = 20_000) => {
      const reply = await call('idle', { timeoutMs });
      if (!reply.ok) throw new Error(reply.error);
    },
    stop: () => broker.stop('SIGTERM', 10_000),
    kill: () => broker.stop('SIGKILL'),
  };
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
export const waitFor = <T>(what: string, check: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> =>
  waitUntil(check, { timeoutMs, intervalMs: 25, describe: what }) as Promise<T>;

export const TOPIC = TOPICS.taskEvents.name;
export const AUDIT = `${TOPIC}/subscriptions/${TOPICS.taskEvents.subscriptions.audit}`;
export const NOTIFICATIONS = `${TOPIC}/subscriptions/${TOPICS.taskEvents.subscriptions.notifications}`;
export const OVERDUE = QUEUES.overdueTasks.name;
/** Every queue and subscription of shared/config/entities.ts (the broker serves whatever is there). */
export const ALL_RECEIVING = [
  ...Object.values(QUEUES).map((queue) => queue.name),
  ...Object.values(TOPICS).flatMap((topic) => Object.values(topic.subscriptions).map((name) => `${topic.name}/subscriptions/${name}`)),
].sort();
