import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RpcLogLevel } from './core-types.js';
import { levelFromHostJson } from './logging.js';

/** The parts of host.json and package.json the Functions host reads and this host honours. */
export interface HostConfig {
  /** From host.json extensions.http.routePrefix, without surrounding slashes. Default 'api'. */
  routePrefix: string;
  /** From host.json logging.logLevel.default. Default 'information'. */
  logLevel: RpcLogLevel;
  /** package.json "main", the entry-point glob. */
  main: string | undefined;
}

export function readHostConfig(projectDir: string): HostConfig {
  const hostJson = readJsonObject(join(projectDir, 'host.json'), false);
  const packageJson = readJsonObject(join(projectDir, 'package.json'), true);
  const http = objectAt(objectAt(hostJson, 'extensions'), 'http');
  const rawPrefix = http?.['routePrefix'];
  const logLevel = objectAt(objectAt(hostJson, 'logging'), 'logLevel')?.['default'];
  return {
    routePrefix: typeof rawPrefix === 'string' ? trimSlashes(rawPrefix) : 'api',
    logLevel: levelFromHostJson(logLevel),
    main: typeof packageJson?.['main'] === 'string' ? packageJson['main'] : undefined,
  };
}

/**
 * Replaces `%NAME%` with the app setting NAME, as the Functions host does for binding properties
 * (timer schedules, queue names...). A missing setting is an error there too ("does not resolve
 * to a value"), so it is one here, naming the setting.
 */
export function resolveAppSettings(value: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(/%([^%\s]+)%/g, (_match, name: string) => {
    const setting = env[name];
    if (setting === undefined || setting === '') {
      throw new Error(`'%${name}%' does not resolve to a value: app setting ${name} is not set.`);
    }
    return setting;
  });
}

function trimSlashes(value: string): string {
  return value.trim().replace(/^\/+|\/+$/g, '');
}

function readJsonObject(file: string, required: boolean): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (!required && (error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`Cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${(error as Error).message}`);
  }
}

function objectAt(value: Record<string, unknown> | undefined, key: string): Record<string, unknown> | undefined {
  const child = value?.[key];
  return typeof child === 'object' && child !== null ? (child as Record<string, unknown>) : undefined;
}
