import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ipcRequests, spawnNode, type NodeChild } from '../../support/child-process.js';
import { transpileForChild } from '../../support/transpile.js';
import { waitUntil } from '../../support/wait.js';

/**
 * Runs the functions host in a child process, as the host must own its process (it patches the
 * module loader). The host's TypeScript is transpiled on the fly into node_modules/.cache (see
 * transpileForChild) so the tests do not depend on a prior `npm run build`, and so `croner` /
 * `@azure/functions` resolve from the project's node_modules.
 */

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../..');
export const fixturesDir = join(repoRoot, 'tests/fixtures/functions-host');
const runnerPath = join(fixturesDir, 'runner.mjs');

/** Transpiles dev/functions-host/*.ts; returns the compiled index.js and a cleanup function. */
export function buildHost(): { entry: string; cleanup: () => void } {
  const { dir, cleanup } = transpileForChild(repoRoot, 'functions-host-tests', ['dev/functions-host']);
  return { entry: join(dir, 'dev/functions-host/index.js'), cleanup };
}

export interface HostProcessOptions {
  hostEntry: string;
  projectDir: string;
  env?: Record<string, string>;
  flags?: string[];
}

export interface RunningHost {
  url: string;
  apiBaseUrl: string;
  functions: Array<Record<string, unknown>>;
  /** Every stdout line so far (the host's log). */
  logs: string[];
  /** A request to the runner over IPC (runFunction / invoke / close). */
  call(op: string, args?: Record<string, unknown>): Promise<{ ok: boolean; result?: unknown; error?: { name?: string; message?: string; invocationId?: string } }>;
  /** Waits until a log line matches, or fails after `timeoutMs`. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(): Promise<void>;
}

interface StartMessage {
  type: string;
  url?: string;
  apiBaseUrl?: string;
  functions?: Array<Record<string, unknown>>;
  message?: string;
}

async function spawnHost(options: HostProcessOptions): Promise<{ host: NodeChild; message: StartMessage }> {
  const host = spawnNode({
    name: 'host',
    script: runnerPath,
    args: [options.hostEntry, options.projectDir, ...(options.flags ?? [])],
    cwd: repoRoot,
    env: options.env,
    ipc: true,
    // Lets the suite exercise the host under another Node version (e.g. 22) than vitest's own.
    execPath: process.env['FUNCTIONS_HOST_TEST_NODE'],
  });
  const message = await host.waitForMessage<StartMessage>((candidate) => candidate.type === 'ready' || candidate.type === 'error', 20_000);
  return { host, message };
}

/** SIGTERM lets the runner close the host; SIGKILL if it has not exited within 5 s. */
const stopHost = (host: NodeChild) => host.stop('SIGTERM', 5000);

export async function startHost(options: HostProcessOptions): Promise<RunningHost> {
  const { host, message } = await spawnHost(options);
  if (message.type !== 'ready') {
    host.child.kill();
    throw new Error(`host failed to start: ${message.message}; stderr: ${host.stderr()}`);
  }
  return {
    url: message.url as string,
    apiBaseUrl: message.apiBaseUrl as string,
    functions: message.functions ?? [],
    logs: host.lines,
    call: ipcRequests<Awaited<ReturnType<RunningHost['call']>>>(host.child),
    waitForLog: (pattern, timeoutMs = 5000) =>
      waitUntil(() => host.lines.find((line) => pattern.test(line)), {
        timeoutMs,
        intervalMs: 25,
        describe: () => `a log line matching ${pattern}; log:\n${host.lines.join('\n')}`,
      }),
    stop: () => stopHost(host),
  };
}

/** Starts a host that is expected to fail; resolves to its error message. */
export async function startHostExpectingError(options: HostProcessOptions): Promise<string> {
  const { host, message } = await spawnHost(options);
  if (message.type === 'ready') {
    await stopHost(host);
    throw new Error('host started, but it was expected to fail');
  }
  await host.exited;
  return message.message ?? '';
}
