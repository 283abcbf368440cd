import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  name: string;
  version: string;
}

/**
 * The app's package.json, found by walking up from this module: the same code runs from the
 * TypeScript sources (tests), from dist/ (local host, Core Tools) and from the deployed package.
 */
export function readPackageInfo(startUrl: string = import.meta.url): PackageInfo {
  const parsed = JSON.parse(readFileSync(join(projectRoot(startUrl), 'package.json'), 'utf8')) as PackageInfo;
  return { name: parsed.name, version: parsed.version };
}

/** The app's root folder: the nearest folder above this module holding this app's package.json. */
export function projectRoot(startUrl: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(startUrl));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const parsed = JSON.parse(readFileSync(candidate, 'utf8')) as Partial<PackageInfo>;
      if (parsed.name && parsed.version) return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + fileURLToPath(startUrl));
    dir = parent;
  }
}
