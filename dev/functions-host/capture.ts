import { createRequire } from 'node:module';
import Module from 'node:module';
import type { FunctionCallback, FunctionMetadata, HookCallback, ProgrammingModel, RpcLogCategory, RpcLogLevel } from './core-types.js';
import { Disposable } from './disposable.js';
import { writeLog } from './logging.js';
import { addFunction, isHookName, registry, removeFunction } from './registry.js';

/**
 * Makes `require('@azure/functions-core')` succeed.
 *
 * `@azure/functions` (dist/azure-functions.js, src/utils/tryGetCoreApiLazy.ts) requires that
 * module lazily, inside try/catch, on the first `app.*` call, and caches the answer. When it is
 * missing the library enters "test mode" and every registration is silently dropped. The Azure
 * worker provides the module by intercepting require (src/setupCoreModule.ts); we do the same,
 * one level lower, at `Module._load`, which every CommonJS require goes through.
 *
 * The library calls: setProgrammingModel, getProgrammingModel, registerFunction, registerHook,
 * log (system logs, and its presence signals host >= 4.28) and Disposable; version and
 * hostVersion complete the published surface.
 */

const CORE_MODULE = '@azure/functions-core';
/** Reported to the library; nothing in it parses them, they only identify this host in logs. */
const WORKER_VERSION = '3.0.0-caseload-local';
const HOST_VERSION = '4.0.0-caseload-local';

interface ModuleLoader {
  _load(request: string, parent: unknown, isMain: boolean): unknown;
}

const coreApi = Object.freeze({
  version: WORKER_VERSION,
  get hostVersion(): string {
    return HOST_VERSION;
  },
  registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
    const fn = addFunction(metadata, callback);
    return new Disposable(() => removeFunction(fn.captured.name));
  },
  registerHook(hookName: string, callback: HookCallback): Disposable {
    if (!isHookName(hookName)) {
      // The library turns a RangeError from a "log" registration into a host-version message;
      // any other name is a genuine mistake, so say which names exist.
      throw new RangeError(`Unrecognized hook "${hookName}"`);
    }
    const hooks = registry.hooks[hookName];
    hooks.push(callback);
    return new Disposable(() => {
      const index = hooks.indexOf(callback);
      if (index >= 0) hooks.splice(index, 1);
    });
  },
  setProgrammingModel(programmingModel: ProgrammingModel): void {
    registry.programmingModel = programmingModel;
  },
  getProgrammingModel(): ProgrammingModel | undefined {
    return registry.programmingModel;
  },
  log(level: RpcLogLevel, _category: RpcLogCategory, message: string): void {
    writeLog(level, message);
  },
  Disposable,
});

let installed = false;

/**
 * Installs the interception. Idempotent. Must run before anything loads `@azure/functions`,
 * because the library caches "test mode" on its first registration and never looks again.
 */
export function installCapture(): void {
  if (installed) return;
  const alreadyLoaded = findLoadedLibrary();
  if (alreadyLoaded) {
    throw new Error(
      `@azure/functions was already loaded (${alreadyLoaded}) before installCapture() ran, so its registrations ` +
        'cannot be captured. Call installCapture() first: import the functions host (or ' +
        'dev/functions-host/register.js via `node --import`) before any module that imports @azure/functions.',
    );
  }
  const loader = Module as unknown as ModuleLoader;
  const originalLoad = loader._load;
  loader._load = function loadWithCore(this: unknown, request: string, parent: unknown, isMain: boolean): unknown {
    if (request === CORE_MODULE) return coreApi;
    // eslint-disable-next-line prefer-rest-params -- forward exactly what Node passed (some versions pass more)
    return Reflect.apply(originalLoad, this, arguments as unknown as unknown[]);
  };
  installed = true;
}

/** require.cache is shared by CommonJS and by ESM imports of CommonJS packages. */
function findLoadedLibrary(): string | undefined {
  const cache = createRequire(import.meta.url).cache;
  return Object.keys(cache).find((file) => /[\\/]@azure[\\/]functions[\\/]/.test(file));
}
