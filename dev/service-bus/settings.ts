import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_BUS_DELIVERY } from '../../shared/config/entities.js';

/**
 * Everything that tunes delivery: the entity settings Bicep provisions (shared/config/entities.ts)
 * and the Functions Service Bus extension's settings from host.json `extensions.serviceBus`.
 */

export interface DeliverySettings {
  maxDeliveryCount: number;
  lockDurationMs: number;
  duplicateDetectionWindowMs: number;
  defaultMessageTimeToLiveMs: number;
  deadLetteringOnMessageExpiration: boolean;
}

export interface ExtensionSettings {
  /** Per function, as the extension applies it (default 16 in host.json v2 schema). */
  maxConcurrentCalls: number;
  autoCompleteMessages: boolean;
  /** The host renews a message's lock while the function runs, up to this long (default 5 minutes). */
  maxAutoLockRenewalDurationMs: number;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export function deliverySettings(): DeliverySettings {
  return {
    maxDeliveryCount: SERVICE_BUS_DELIVERY.maxDeliveryCount,
    lockDurationMs: SERVICE_BUS_DELIVERY.lockDurationSeconds * 1000,
    duplicateDetectionWindowMs: SERVICE_BUS_DELIVERY.duplicateDetectionWindowMinutes * MINUTE,
    defaultMessageTimeToLiveMs: SERVICE_BUS_DELIVERY.defaultMessageTimeToLiveDays * DAY,
    deadLetteringOnMessageExpiration: SERVICE_BUS_DELIVERY.deadLetteringOnMessageExpiration,
  };
}

/** Reads host.json in `projectDir`; a missing file or section means the extension's defaults. */
export function readExtensionSettings(projectDir: string): ExtensionSettings {
  const defaults: ExtensionSettings = { maxConcurrentCalls: 16, autoCompleteMessages: true, maxAutoLockRenewalDurationMs: 5 * MINUTE };
  let hostJson: unknown;
  try {
    hostJson = JSON.parse(readFileSync(join(projectDir, 'host.json'), 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return defaults;
    throw new Error(`Cannot read ${join(projectDir, 'host.json')}: ${(error as Error).message}`);
  }
  const section = objectAt(objectAt(hostJson, 'extensions'), 'serviceBus');
  if (!section) return defaults;
  // host.json v2 also accepts the older nesting under messageHandlerOptions.
  const legacy = objectAt(section, 'messageHandlerOptions');
  const concurrent = section['maxConcurrentCalls'] ?? legacy?.['maxConcurrentCalls'];
  const autoComplete = section['autoCompleteMessages'] ?? legacy?.['autoComplete'];
  const renewal = section['maxAutoLockRenewalDuration'] ?? legacy?.['maxAutoRenewDuration'];
  return {
    maxConcurrentCalls: typeof concurrent === 'number' && concurrent >= 1 ? Math.floor(concurrent) : defaults.maxConcurrentCalls,
    autoCompleteMessages: typeof autoComplete === 'boolean' ? autoComplete : defaults.autoCompleteMessages,
    maxAutoLockRenewalDurationMs: typeof renewal === 'string' ? parseTimeSpan(renewal, 'maxAutoLockRenewalDuration') : defaults.maxAutoLockRenewalDurationMs,
  };
}

/** .NET TimeSpan text as host.json uses it: `[d.]hh:mm:ss[.fffffff]`. */
export function parseTimeSpan(text: string, name: string): number {
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$/.exec(text.trim());
  if (!match) throw new Error(`host.json extensions.serviceBus.${name} '${text}' is not a TimeSpan (hh:mm:ss).`);
  const [, days, hours, minutes, seconds, fraction] = match;
  const ms = Number(`0.${fraction ?? '0'}`) * 1000;
  return ((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * MINUTE + Number(seconds) * 1000 + Math.round(ms);
}

function objectAt(value: unknown, key: string): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const child = (value as Record<string, unknown>)[key];
  return typeof child === 'object' && child !== null ? (child as Record<string, unknown>) : undefined;
}
