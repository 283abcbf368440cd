/**
 * One owner per data folder. Two servers appending to the same journal would
 * interleave their units and corrupt both, so the folder is claimed with a
 * lock file holding the owner's pid. A lock left by a process that no longer
 * exists (e.g. one killed with SIGKILL) is taken over.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';

const LOCK_FILE = 'LOCK';
/** Folders held by this process (its pid alone cannot tell two of its own servers apart). */
const heldHere = new Set<string>();

export interface DirLock {
  release(): void;
}

export function lockDataDir(dir: string): DirLock {
  const key = resolve(dir);
  if (heldHere.has(key)) throw new Error(`embedded cosmos: ${key} is already open in this process`);
  const file = join(key, LOCK_FILE);
  for (let attempt = 0; ; attempt += 1) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const owner = Number.parseInt(readFileSafe(file), 10);
      if (Number.isSafeInteger(owner) && owner !== process.pid && isAlive(owner)) {
        throw new Error(`embedded cosmos: ${key} is in use by process ${owner} (delete ${file} if it is not)`);
      }
      rmSync(file, { force: true });
    }
  }
  heldHere.add(key);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      heldHere.delete(key);
      rmSync(file, { force: true });
    },
  };
}

/** Whether a process runs (also used by dev/running-host.ts, which reads another process's record). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
