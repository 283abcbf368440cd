import type { FunctionCallback, HookData, RpcLogCategory, RpcLogLevel } from './core-types.js';
import { errorDetail, writeLog } from './logging.js';
import { type HookName, registry } from './registry.js';

/**
 * Hook contexts shaped like the worker's (src/eventHandlers/InvocationHandler.ts, src/startApp.ts,
 * src/hooks/LogHookContext.ts): plain objects whose hookData/appHookData/invocationContext are
 * read-only getters. `@azure/functions` wraps them (PreInvocationContext reads and writes
 * `inputs` and `functionCallback` on this object), so mutations flow back to us.
 */

export interface PreInvocationHookContext {
  readonly hookData: HookData;
  readonly appHookData: HookData;
  readonly invocationContext: unknown;
  inputs: unknown[];
  functionCallback: FunctionCallback;
}

export interface PostInvocationHookContext {
  readonly hookData: HookData;
  readonly appHookData: HookData;
  readonly invocationContext: unknown;
  inputs: unknown[];
  result: unknown;
  error: unknown;
}

export interface LogHookContext {
  readonly hookData: HookData;
  readonly appHookData: HookData;
  readonly invocationContext: unknown;
  readonly category: RpcLogCategory;
  level: RpcLogLevel;
  message: string;
}

class ReadOnlyError extends TypeError {
  constructor(property: string) {
    super(`Cannot assign to read only property '${property}'`);
  }
}

/**
 * Adds read-only properties to a hook context, as the worker declares them: reading calls the
 * getter, assigning throws a ReadOnlyError. Enumerable and configurable, like object-literal
 * accessors.
 */
function withReadOnly<T extends object>(target: T, getters: Record<string, () => unknown>): T {
  for (const [property, get] of Object.entries(getters)) {
    Object.defineProperty(target, property, {
      get,
      set() {
        throw new ReadOnlyError(property);
      },
      enumerable: true,
      configurable: true,
    });
  }
  return target;
}

/** Runs hooks in registration order; a throwing hook fails the surrounding step, as in Azure. */
export async function executeHooks(name: Exclude<HookName, 'log'>, context: object): Promise<void> {
  // Copy: a hook may dispose itself (or others) while running.
  for (const callback of [...registry.hooks[name]]) {
    await callback(context);
  }
}

export function preInvocationContext(
  hookData: HookData,
  invocationContext: unknown,
  inputs: unknown[],
  functionCallback: FunctionCallback,
): PreInvocationHookContext {
  return Object.assign(invocationHookContext(hookData, invocationContext), { inputs, functionCallback });
}

export function postInvocationContext(hookData: HookData, invocationContext: unknown, inputs: unknown[]): PostInvocationHookContext {
  return Object.assign(invocationHookContext(hookData, invocationContext), { inputs, result: null as unknown, error: null as unknown });
}

/**
 * The read-only part of pre- and post-invocation contexts, as an object literal: the same
 * enumerable, configurable accessors withReadOnly defines, without redefining properties on
 * every invocation.
 */
function invocationHookContext(hookData: HookData, invocationContext: unknown) {
  return {
    get hookData() {
      return hookData;
    },
    set hookData(_: HookData) {
      throw new ReadOnlyError('hookData');
    },
    get appHookData() {
      return registry.appHookData;
    },
    set appHookData(_: HookData) {
      throw new ReadOnlyError('appHookData');
    },
    get invocationContext() {
      return invocationContext;
    },
    set invocationContext(_: unknown) {
      throw new ReadOnlyError('invocationContext');
    },
  };
}

export function appHookContext(functionAppDirectory?: string): object {
  const context = withReadOnly({}, { hookData: () => registry.appLevelOnlyHookData, appHookData: () => registry.appHookData });
  return functionAppDirectory === undefined ? context : Object.assign(context, { functionAppDirectory });
}

/**
 * Runs "log" hooks synchronously (a log call cannot wait) and returns the possibly rewritten
 * level and message. A failing log hook is reported and skipped rather than failing the function.
 */
export function applyLogHooks(
  level: RpcLogLevel,
  category: RpcLogCategory,
  message: string,
  hookData: HookData,
  invocationContext: unknown,
): { level: RpcLogLevel; message: string } {
  const hooks = registry.hooks.log;
  if (hooks.length === 0) return { level, message };
  const context: LogHookContext = {
    get hookData() {
      return hookData;
    },
    get appHookData() {
      return registry.appHookData;
    },
    get invocationContext() {
      return invocationContext;
    },
    get category() {
      return category;
    },
    level,
    message,
  };
  for (const hook of [...hooks]) {
    try {
      const result = hook(context);
      if (result instanceof Promise) result.catch((error: unknown) => writeLog('error', `A log hook failed: ${errorDetail(error)}`));
    } catch (error) {
      writeLog('error', `A log hook failed: ${errorDetail(error)}`);
    }
  }
  return { level: context.level, message: context.message };
}
