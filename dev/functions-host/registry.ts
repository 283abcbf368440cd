import type { FunctionCallback, FunctionMetadata, HookCallback, HookData, ProgrammingModel } from './core-types.js';
import type { CapturedFunction } from './types.js';

/**
 * Everything the app hands to the fake `@azure/functions-core` module: functions, hooks and the
 * programming model. It is process-wide state on purpose: the module loader (and the library's
 * cached reference to the core module) is process-wide too, so one process hosts one app.
 */

export interface RegisteredFunction {
  captured: CapturedFunction;
  metadata: FunctionMetadata;
  callback: FunctionCallback;
  /** Name of the trigger binding; the invocation request's inputData must use it. */
  triggerBindingName: string;
}

export const HOOK_NAMES = ['preInvocation', 'postInvocation', 'appStart', 'appTerminate', 'log'] as const;
export type HookName = (typeof HOOK_NAMES)[number];

interface Registry {
  /** Keyed by lower-cased name: function names are case-insensitive in Azure (routes, admin API). */
  functions: Map<string, RegisteredFunction>;
  hooks: Record<HookName, HookCallback[]>;
  programmingModel: ProgrammingModel | undefined;
  /** Shared by every hook, like the worker's `appHookData`. */
  appHookData: HookData;
  /** `hookData` of appStart/appTerminate hooks only, like the worker's `appLevelOnlyHookData`. */
  appLevelOnlyHookData: HookData;
  /** After start-up, registrations are refused, as the worker refuses them. */
  startupFinished: boolean;
}

export const registry: Registry = {
  functions: new Map(),
  hooks: { preInvocation: [], postInvocation: [], appStart: [], appTerminate: [], log: [] },
  programmingModel: undefined,
  appHookData: {},
  appLevelOnlyHookData: {},
  startupFinished: false,
};

export function isHookName(name: string): name is HookName {
  return (HOOK_NAMES as readonly string[]).includes(name);
}

export function isTriggerType(type: unknown): type is string {
  return typeof type === 'string' && /trigger$/i.test(type);
}

export function addFunction(metadata: FunctionMetadata, callback: FunctionCallback): RegisteredFunction {
  if (registry.startupFinished) {
    throw new Error(`Function "${metadata.name}" was registered after start-up; functions can only be registered while the app's modules load.`);
  }
  const name = metadata.name;
  if (typeof name !== 'string' || name === '') {
    throw new Error('registerFunction was called without a function name.');
  }
  const key = name.toLowerCase();
  if (registry.functions.has(key)) {
    throw new Error(`Function "${name}" is registered twice (function names are case-insensitive).`);
  }
  const trigger = Object.entries(metadata.bindings ?? {}).find(([, binding]) => isTriggerType(binding.type));
  if (!trigger) {
    throw new Error(`Function "${name}" has no trigger binding.`);
  }
  const [triggerBindingName, triggerBinding] = trigger;
  const fn: RegisteredFunction = {
    captured: describe(name, triggerBinding as Record<string, unknown>, metadata),
    metadata,
    callback,
    triggerBindingName,
  };
  registry.functions.set(key, fn);
  return fn;
}

export function removeFunction(name: string): void {
  if (registry.startupFinished) {
    throw new Error(`Function "${name}" can only be disposed during app start-up.`);
  }
  registry.functions.delete(name.toLowerCase());
}

export function getFunction(name: string): RegisteredFunction | undefined {
  return registry.functions.get(name.toLowerCase());
}

export function listFunctions(): RegisteredFunction[] {
  return [...registry.functions.values()];
}

function describe(name: string, trigger: Record<string, unknown>, metadata: FunctionMetadata): CapturedFunction {
  const captured: CapturedFunction = { name, trigger: String(trigger['type']), metadata };
  if (typeof trigger['route'] === 'string') captured.route = trigger['route'];
  if (Array.isArray(trigger['methods'])) captured.methods = trigger['methods'].map(String);
  if (typeof trigger['schedule'] === 'string') captured.schedule = trigger['schedule'];
  if (typeof trigger['runOnStartup'] === 'boolean') captured.runOnStartup = trigger['runOnStartup'];
  return captured;
}
