import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Runs the functions host in a child process, as the host must own its process (it patches the
 * module loader). The host's TypeScript is transpiled on the fly into node_modules/.cache so the
 * tests do not depend on a prior `npm run build`, and so `croner` / `@azure/functions` resolve
 * from the project's node_modules.
 */

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../..');
export const fixturesDir = join(repoRoot, 'tests/fixtures/functions-host');
const runnerPath = join(fixturesDir, 'runner.mjs');
const hostSourceDir = join(repoRoot, 'dev/functions-host');

/** Transpiles dev/functions-host/*.ts; returns the compiled index.js and a cleanup function. */
export function buildHost(): { entry: string; cleanup: () => void } {
  const cacheRoot = join(repoRoot, 'node_modules/.cache/functions-host-tests');
  mkdirSync(cacheRoot, { recursive: true });
  const outDir = mkdtempSync(join(cacheRoot, 'build-'));
  // node_modules is a package-scope boundary: without this the output would load as CommonJS.
  writeFileSync(join(outDir, 'package.json'), JSON.stringify({ type: 'module' }));
  for (const file of readdirSync(hostSourceDir).filter((name) => name.endsWith('.ts'))) {
    const source = readFileSync(join(hostSourceDir, file), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
        esModuleInterop: true,
      },
    });
    writeFileSync(join(outDir, file.replace(/\.ts$/, '.js')), outputText);
  }
  return { entry: join(outDir, 'index.js'), cleanup: () => rmSync(outDir, { recursive: true, force: true }) };
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

interface Spawned {
  child: ChildProcess;
  logs: string[];
  stderr: string[];
  ready: Promise<{ type: string; url?: string; apiBaseUrl?: string; functions?: Array<Record<string, unknown>>; message?: string }>;
}

function spawnHost(options: HostProcessOptions): Spawned {
  const child = fork(runnerPath, [options.hostEntry, options.projectDir, ...(options.flags ?? [])], {
    cwd: repoRoot,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'advanced',
    execArgv: [],
    // Lets the suite exercise the host under another Node version (e.g. 22) than vitest's own.
    ...(process.env['FUNCTIONS_HOST_TEST_NODE'] ? { execPath: process.env['FUNCTIONS_HOST_TEST_NODE'] } : {}),
  });
  const logs: string[] = [];
  const stderr: string[] = [];
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    logs.push(...lines);
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const ready = new Promise<{ type: string; message?: string }>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start in time; stderr: ${stderr.join('')}`)), 20_000);
    child.on('message', (message: { type?: string }) => {
      if (message.type === 'ready' || message.type === 'error') {
        clearTimeout(timer);
        resolveReady(message as { type: string });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code} before it was ready; stderr: ${stderr.join('')}`));
    });
  });
  return { child, logs, stderr, ready };
}

export async function startHost(options: HostProcessOptions): Promise<RunningHost> {
  const { child, logs, stderr, ready } = spawnHost(options);
  const message = await ready;
  if (message.type !== 'ready') {
    child.kill();
    throw new Error(`host failed to start: ${message.message}; stderr: ${stderr.join('')}`);
  }
  let nextId = 0;
  const pending = new Map<number, (reply: never) => void>();
  child.on('message', (reply: { id?: number }) => {
    if (typeof reply.id === 'number') pending.get(reply.id)?.(reply as never);
  });
  return {
    url: message.url as string,
    apiBaseUrl: message.apiBaseUrl as string,
    functions: message.functions ?? [],
    logs,
    call: (op, args = {}) =>
      new Promise((resolveCall) => {
        const id = nextId++;
        pending.set(id, resolveCall as (reply: never) => void);
        child.send({ id, op, ...args });
      }),
    waitForLog: async (pattern, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = logs.find((candidate) => pattern.test(candidate));
        if (line) return line;
        if (Date.now() > deadline) throw new Error(`no log line matched ${pattern}; log:\n${logs.join('\n')}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    stop: () => stopChild(child),
  };
}

/** Starts a host that is expected to fail; resolves to its error message. */
export async function startHostExpectingError(options: HostProcessOptions): Promise<string> {
  const { child, ready } = spawnHost(options);
  const message = await ready;
  if (message.type === 'ready') {
    await stopChild(child);
    throw new Error('host started, but it was expected to fail');
  }
  await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(undefined)));
  return message.message ?? '';
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolveStop) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolveStop();
    });
    child.kill('SIGTERM');
  });
}
