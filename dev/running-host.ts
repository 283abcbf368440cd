import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { isAlive } from './cosmos/lock.js';
import { DEV_ISSUER_KEY_DIR } from './issuer.js';

/**
 * Which local host is running on a data folder: the host writes its origin and process id next to
 * the dev issuer's key when it starts, and removes them when it stops, so `npm run token` signs
 * for the issuer that host accepts without being told its port.
 */
const RECORD_FILE = 'running-host.json';

const recordSchema = z.object({ origin: z.url(), pid: z.number().int().positive() });
export type RunningHost = z.infer<typeof recordSchema>;

const recordPath = (dataDir: string) => join(dataDir, DEV_ISSUER_KEY_DIR, RECORD_FILE);

export function recordRunningHost(dataDir: string, origin: string): void {
  writeFileSync(recordPath(dataDir), `${JSON.stringify({ origin, pid: process.pid })}\n`, { mode: 0o600 });
}

/** Removes the record if it is this process's (a second host on the same folder may have written its own since). */
export function forgetRunningHost(dataDir: string): void {
  if (readRecord(dataDir)?.pid === process.pid) rmSync(recordPath(dataDir), { force: true });
}

/** The host recorded for a data folder, if its process is still alive (a crash leaves the file behind). */
export function runningHost(dataDir: string): RunningHost | undefined {
  const record = readRecord(dataDir);
  return record && isAlive(record.pid) ? record : undefined;
}

function readRecord(dataDir: string): RunningHost | undefined {
  try {
    const parsed = recordSchema.safeParse(JSON.parse(readFileSync(recordPath(dataDir), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
