import { join } from 'node:path';
import { LOCAL_HOST_NODE_FLAGS } from '../../dev/host-runtime.js';
import { spawnNode, type NodeChild } from './child-process.js';
import { waitUntil } from './wait.js';

/**
 * The local host as a child process, shared by the integration tests (tests/integration/local-host.ts)
 * and the benchmark (bench/host.ts): `dist/dev/start.js`, what `npm start` runs. It serves the
 * deployment package dist/app, so `npm run package` must have run.
 *
 * tsconfig.json includes tests/support so that tsc compiles it with bench/ into dist/. Hence nothing
 * in tests/support imports vitest, and callers pass the project folder: from dist/tests/support,
 * this module's own location would point into dist/.
 */
export async function launchLocalHost(options: {
  projectDir: string;
  port: number;
  dataDir: string;
  env?: Record<string, string>;
  /** stdout and stderr to this file instead of pipes (see spawnNode). */
  logFile?: string;
}): Promise<NodeChild> {
  const host = spawnNode({
    name: 'local host',
    script: join(options.projectDir, 'dist/dev/start.js'),
    // As `npm start` runs it: source maps, and the V8 heap of the app's Azure instance.
    nodeArgs: [...LOCAL_HOST_NODE_FLAGS],
    cwd: options.projectDir,
    env: { PORT: String(options.port), CASELOAD_DATA_DIR: options.dataDir, ...options.env },
    logFile: options.logFile,
  });
  try {
    // The banner is printed once start-up work (seeding, the initial outbox relay) is done.
    await host.waitForOutput('Caseload is running', 60_000);
  } catch (error) {
    await host.stop('SIGKILL');
    throw error;
  }
  return host;
}

/** POST /admin/functions/<name>: runs a timer (or any non-HTTP function) now. */
export async function runFunction(baseUrl: string, name: string): Promise<void> {
  const response = await fetch(`${baseUrl}/admin/functions/${name}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  if (response.status !== 202) throw new Error(`running ${name} answered ${response.status}: ${await response.text()}`);
}

/** Waits until the local broker has nothing active or locked (every delivered message settled). */
export async function waitForIdleBroker(baseUrl: string, timeoutMs: number): Promise<void> {
  let entities: Record<string, { active: number; locked: number }> = {};
  await waitUntil(
    async () => {
      ({ entities } = (await (await fetch(`${baseUrl}/admin/service-bus`)).json()) as { entities: typeof entities });
      return Object.values(entities).every((entity) => entity.active + entity.locked === 0);
    },
    { timeoutMs, intervalMs: 100, describe: () => `an idle broker: ${JSON.stringify(entities)}` },
  );
}
