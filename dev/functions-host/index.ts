import { once } from 'node:events';
import { isIP } from 'node:net';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { installCapture } from './capture.js';
import { describeFiles, expandEntryPointGlob, loadEntryPoints } from './entry-points.js';
import { appHookContext, executeHooks } from './hooks.js';
import { readHostConfig } from './host-config.js';
import { createHostServer } from './http-server.js';
import { waitForRunningInvocations } from './invoke.js';
import { configureLogging, errorDetail, writeLog } from './logging.js';
import { listFunctions, type RegisteredFunction, registry } from './registry.js';
import { RouteTable } from './routes.js';
import { runFunction } from './run-function.js';
import { TimerScheduler } from './timers.js';
import type { FunctionsHost, FunctionsHostOptions } from './types.js';

/**
 * A local Azure Functions host, in-process, for when Core Tools is not available: it captures the
 * app's real registrations (capture.ts), serves HTTP triggers (http-server.ts), runs timers
 * (timers.ts) and exposes the admin API, invoking every function through `@azure/functions`'
 * own programming model exactly as the Azure worker does (invoke.ts).
 *
 * One host per process: module registrations and the loader patch are process-wide.
 */

export type { CapturedFunction, FunctionsHost, FunctionsHostOptions } from './types.js';
export { installCapture } from './capture.js';
// For in-process trigger sources (e.g. a Service Bus broker) that feed functions themselves.
export { invokeFunction, type InvocationOutput, type InvocationRequest, type InvocationResult } from './invoke.js';
export { resolveAppSettings } from './host-config.js';

let startedOnce = false;

export async function startFunctionsHost(options: FunctionsHostOptions): Promise<FunctionsHost> {
  if (startedOnce) {
    throw new Error('startFunctionsHost() can run once per process: registrations and the module loader patch are process-wide.');
  }
  startedOnce = true;

  const projectDir = resolve(options.projectDir);
  const config = readHostConfig(projectDir);
  configureLogging(options.log ?? ((line) => console.log(line)), config.logLevel, { oneLinePerInvocation: options.oneLinePerInvocation ?? false });

  installCapture();
  preloadLibrary(projectDir);
  const files = options.functionModules ?? entryPointFiles(projectDir, config.main);
  const source = options.functionModules
    ? `functionModules [${describeFiles(projectDir, files)}]`
    : `package.json "main" glob "${config.main}" (relative to ${projectDir})`;
  await loadEntryPoints(files, source);
  registry.startupFinished = true;
  await checkCapabilities();

  const functions = listFunctions();
  const routes = buildRoutes(functions);
  await executeHooks('appStart', appHookContext(projectDir));

  const timers = new TimerScheduler();
  const server = createHostServer({
    routePrefix: config.routePrefix,
    routes,
    runFunction: (name, input) => runFunction(name, input, timers),
    extraRoutes: options.extraRoutes,
  });
  server.listen(options.port, options.host ?? '127.0.0.1');
  await once(server, 'listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      timers.stop();
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeIdleConnections();
      await waitForRunningInvocations();
      server.closeAllConnections();
      await closed;
      try {
        await executeHooks('appTerminate', appHookContext());
      } catch (error) {
        writeLog('error', `An appTerminate hook failed: ${errorDetail(error)}`);
      }
    })();
    return closing;
  };

  try {
    if (options.enableTimers ?? true) timers.start(functions);
  } catch (error) {
    await close();
    throw error;
  }

  const url = serverUrl(server, options.host);
  const apiBaseUrl = config.routePrefix === '' ? url : `${url}/${config.routePrefix}`;
  logInventory(functions, apiBaseUrl);
  return {
    url,
    apiBaseUrl,
    functions: functions.map((fn) => fn.captured),
    runFunction: (name, input) => runFunction(name, input, timers),
    close,
  };
}

function entryPointFiles(projectDir: string, main: string | undefined): string[] {
  if (!main) throw new Error(`${join(projectDir, 'package.json')} has no "main" entry-point glob (e.g. "dist/functions/*.js").`);
  return expandEntryPointGlob(projectDir, main);
}

/**
 * Loads @azure/functions through CommonJS `require` right after the capture is installed, as the
 * worker does (setupCoreModule.ts). Its lazy `require('@azure/functions-core')` then goes through
 * Module._load whatever path a later ESM `import` of the package would take on this Node version.
 */
function preloadLibrary(projectDir: string): void {
  const require = createRequire(join(projectDir, 'package.json'));
  let resolved: string;
  try {
    resolved = require.resolve('@azure/functions');
  } catch {
    return; // The app does not use the library from here; loading its modules will say what is wrong.
  }
  require(resolved);
}

/**
 * The worker asks the programming model for its capabilities once the app is loaded, which also
 * locks `app.setup()`. HTTP streaming would route requests through a proxy this host does not run.
 */
async function checkCapabilities(): Promise<void> {
  const model = registry.programmingModel;
  if (!model) throw new Error('@azure/functions never set its programming model: it was loaded in test mode.');
  const capabilities = (await model.getCapabilities?.({})) ?? {};
  if (capabilities['HttpUri']) {
    throw new Error('app.setup({ enableHttpStream: true }) is not supported by the local functions host.');
  }
}

function buildRoutes(functions: RegisteredFunction[]): RouteTable<RegisteredFunction> {
  const routes = new RouteTable<RegisteredFunction>();
  for (const fn of functions) {
    if (fn.captured.trigger.toLowerCase() !== 'httptrigger') continue;
    try {
      routes.add(fn.captured.route ?? fn.captured.name, fn.captured.methods, fn);
    } catch (error) {
      throw new Error(`HTTP function '${fn.captured.name}': ${(error as Error).message}`);
    }
  }
  return routes;
}

/** Keeps a host name the caller chose (e.g. 'localhost', which tokens and docs use); IPs as bound. */
function serverUrl(server: ReturnType<typeof createHostServer>, requestedHost: string | undefined): string {
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('The host server is not listening on a TCP port.');
  const unspecified = address.address === '0.0.0.0' || address.address === '::';
  let host: string;
  if (requestedHost && isIP(requestedHost) === 0) host = requestedHost;
  else if (unspecified) host = 'localhost';
  else host = address.address.includes(':') ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

function logInventory(functions: RegisteredFunction[], apiBaseUrl: string): void {
  writeLog('information', `Functions (${functions.length}):`);
  for (const { captured } of functions) {
    const detail =
      captured.trigger.toLowerCase() === 'httptrigger'
        ? `[${(captured.methods ?? []).join(',') || 'ANY'}] ${apiBaseUrl}/${(captured.route ?? captured.name).replace(/^\/+/, '')}`
        : captured.schedule
          ? `${captured.trigger} '${captured.schedule}'`
          : captured.trigger;
    writeLog('information', `  ${captured.name}: ${detail}`);
  }
}
