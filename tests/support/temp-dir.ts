import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A new empty folder under the OS temp folder, its name starting with `prefix`. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Removes a folder and everything in it; a folder that is already gone is fine. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Temp folders made for one test file, removed together (typically in afterAll). */
export function tempDirs(defaultPrefix: string): { make(prefix?: string): string; removeAll(): void } {
  const made: string[] = [];
  return {
    make(prefix = defaultPrefix) {
      const dir = makeTempDir(prefix);
      made.push(dir);
      return dir;
    },
    removeAll() {
      for (const dir of made.splice(0)) removeTempDir(dir);
    },
  };
}
