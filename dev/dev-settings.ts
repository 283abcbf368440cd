import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';

/**
 * Settings shared by the local host and the dev token command, read in one place so that both
 * agree on the port (hence the token issuer) and on where the dev issuer's key lives.
 */
export const DEV_SETTING = {
  port: 'PORT',
  dataDir: 'CASELOAD_DATA_DIR',
  cosmosPort: 'CASELOAD_COSMOS_PORT',
  cosmosFaultProxy: 'CASELOAD_COSMOS_FAULT_PROXY',
  azuritePort: 'CASELOAD_AZURITE_PORT',
} as const;

const DEFAULT_PORT = 7071;
/** The Cosmos emulator's usual port; only `npm run services` uses a fixed one (the local host picks a free port). */
const DEFAULT_COSMOS_PORT = 8081;
const DEFAULT_DATA_DIR = '.data';
/** Azurite's usual Blob port: what `UseDevelopmentStorage=true` means, so `npm run services` uses it for `func start`. */
export const DEFAULT_AZURITE_BLOB_PORT = 10000;

export interface DevSettings {
  port: number;
  /** Port of the embedded database when it runs on its own (`npm run services`). */
  cosmosPort: number;
  /** Absolute path of the local data folder (database files, dev issuer key). */
  dataDir: string;
  /** Origin of the local host; the dev issuer derives its issuer and JWKS URLs from it. */
  baseUrl: string;
  /** Put the fault proxy (dev/cosmos/fault-proxy.ts) between the app and the embedded database. */
  cosmosFaultProxy: boolean;
  /** Azurite's Blob port when set; unset, the local host takes any free one and `npm run services` 10000. */
  azuritePort: number | undefined;
}

export class DevSettingsError extends Error {
  override readonly name = 'DevSettingsError';
}

const portSchema = z
  .string()
  .regex(/^\d+$/, 'must be a whole number')
  .transform(Number)
  .pipe(z.number().int().min(1, 'must be 1-65535').max(65535, 'must be 1-65535'));

/**
 * - PORT: default 7071 (the Functions default, so URLs match `func start` too).
 * - CASELOAD_DATA_DIR: a relative value is resolved against `cwd`, as any CLI path would be.
 *   Unset, it is `.data` in the project root (the nearest folder up from `cwd` holding
 *   package.json), so `npm run token` and `npm start` share keys even if run from a subfolder.
 */
export function resolveDevSettings(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): DevSettings {
  const port = readPort(env, DEV_SETTING.port, DEFAULT_PORT);
  const cosmosPort = readPort(env, DEV_SETTING.cosmosPort, DEFAULT_COSMOS_PORT);
  const rawDataDir = env[DEV_SETTING.dataDir]?.trim();
  const dataDir = rawDataDir ? resolve(cwd, rawDataDir) : join(projectRoot(cwd), DEFAULT_DATA_DIR);
  const cosmosFaultProxy = readFlag(env, DEV_SETTING.cosmosFaultProxy);
  const azuritePort = env[DEV_SETTING.azuritePort]?.trim() ? readPort(env, DEV_SETTING.azuritePort, DEFAULT_AZURITE_BLOB_PORT) : undefined;
  return { port, cosmosPort, dataDir, baseUrl: `http://localhost:${port}`, cosmosFaultProxy, azuritePort };
}

/** `1` / `true` on, `0` / `false` / unset off; anything else is a mistake worth stopping for. */
function readFlag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  throw new DevSettingsError(`${name}=${JSON.stringify(env[name])} must be 1 or 0 (true or false)`);
}

function readPort(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const parsed = portSchema.safeParse(raw);
  if (!parsed.success) {
    throw new DevSettingsError(`${name}=${JSON.stringify(raw)} ${parsed.error.issues[0]?.message ?? 'is invalid'}`);
  }
  return parsed.data;
}

function projectRoot(from: string): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return resolve(from);
  }
}
