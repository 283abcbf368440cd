import { type CapturedFunction, resolveAppSettings } from '../functions-host/index.js';
import type { Namespace, ReceivingEntity, SendingEntity } from './entities.js';
import type { ExtensionSettings } from './settings.js';

/**
 * Reads a captured function's binding metadata (as `@azure/functions` registered it) into what
 * the broker needs: which entity triggers it, and where its Service Bus outputs go. Entity names
 * may be `%AppSetting%` references, resolved as the Functions host resolves them.
 *
 * Anything the broker would not run the way Azure does is refused here, at attach time, with the
 * function's name: cardinality 'many', sessions, autoComplete off, unknown entities.
 */

export interface ServiceBusFunction {
  name: string;
  entity: ReceivingEntity;
  /** The trigger binding's dataType ('binary' gets the body as bytes). */
  dataType: unknown;
  /** Output binding name ('$return' for a bound return value) → where its messages go. */
  outputs: Map<string, SendingEntity>;
}

interface BindingInfo {
  type?: unknown;
  direction?: unknown;
  [option: string]: unknown;
}

export function isServiceBusTrigger(fn: CapturedFunction): boolean {
  return fn.trigger.toLowerCase() === 'servicebustrigger';
}

export function readServiceBusFunction(fn: CapturedFunction, namespace: Namespace, extension: ExtensionSettings): ServiceBusFunction {
  const bindings = bindingsOf(fn);
  const trigger = Object.values(bindings).find((binding) => String(binding.type).toLowerCase() === 'servicebustrigger');
  if (!trigger) throw new Error(`Function '${fn.name}' has no serviceBusTrigger binding.`);
  const refuse = (what: string): never => {
    throw new Error(`Service Bus function '${fn.name}': ${what} is not supported by the local Service Bus.`);
  };
  if (trigger['cardinality'] === 'many') refuse("cardinality 'many' (batches)");
  if (trigger['isSessionsEnabled'] === true) refuse('isSessionsEnabled (sessions)');
  const autoComplete = typeof trigger['autoCompleteMessages'] === 'boolean' ? trigger['autoCompleteMessages'] : extension.autoCompleteMessages;
  // A Node function cannot settle a message itself, so without auto-complete nothing would ever
  // complete it; the local broker would have to invent behaviour Azure does not have.
  if (!autoComplete) refuse('autoCompleteMessages: false');
  if (trigger['sdkBinding'] === true) refuse('sdkBinding (SDK-type bindings)');

  return {
    name: fn.name,
    entity: triggerEntity(fn.name, trigger, namespace),
    dataType: trigger['dataType'],
    outputs: outputEntities(fn.name, bindings, namespace),
  };
}

function triggerEntity(functionName: string, trigger: BindingInfo, namespace: Namespace): ReceivingEntity {
  const queueName = setting(functionName, trigger['queueName'], 'queueName');
  const topicName = setting(functionName, trigger['topicName'], 'topicName');
  const subscriptionName = setting(functionName, trigger['subscriptionName'], 'subscriptionName');
  if (queueName !== undefined) {
    const entity = namespace.findQueue(queueName);
    if (!entity) throw new Error(`Service Bus function '${functionName}' listens to queue '${queueName}', which is not a queue in shared/config/entities.ts.`);
    return entity;
  }
  if (topicName !== undefined && subscriptionName !== undefined) {
    const entity = namespace.findSubscription(topicName, subscriptionName);
    if (!entity) {
      throw new Error(
        `Service Bus function '${functionName}' listens to '${topicName}/subscriptions/${subscriptionName}', which is not a subscription in shared/config/entities.ts.`,
      );
    }
    return entity;
  }
  throw new Error(`Service Bus function '${functionName}' needs queueName, or topicName and subscriptionName.`);
}

function outputEntities(functionName: string, bindings: Record<string, BindingInfo>, namespace: Namespace): Map<string, SendingEntity> {
  const outputs = new Map<string, SendingEntity>();
  for (const [name, binding] of Object.entries(bindings)) {
    if (binding.direction !== 'out' || String(binding.type).toLowerCase() !== 'servicebus') continue;
    const target = setting(functionName, binding['queueName'], 'queueName') ?? setting(functionName, binding['topicName'], 'topicName');
    if (target === undefined) throw new Error(`Service Bus output '${name}' of function '${functionName}' needs queueName or topicName.`);
    const entity = namespace.findSending(target);
    if (!entity) throw new Error(`Service Bus output '${name}' of function '${functionName}' sends to '${target}', which is not in shared/config/entities.ts.`);
    outputs.set(name, entity);
  }
  return outputs;
}

function setting(functionName: string, value: unknown, property: string): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new Error(`Function '${functionName}': ${property} must be a string.`);
  try {
    return resolveAppSettings(value);
  } catch (error) {
    throw new Error(`Function '${functionName}' ${property}: ${(error as Error).message}`);
  }
}

function bindingsOf(fn: CapturedFunction): Record<string, BindingInfo> {
  const metadata = fn.metadata as { bindings?: unknown } | null | undefined;
  const bindings = metadata?.bindings;
  if (typeof bindings !== 'object' || bindings === null) throw new Error(`Function '${fn.name}' was captured without bindings.`);
  return bindings as Record<string, BindingInfo>;
}
