import { readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { listFunctions } from './registry.js';

/**
 * Finds and loads the app's entry points the way the worker does (src/startApp.ts): package.json
 * "main" is a glob relative to the app directory; every match is imported, in order.
 *
 * Node 20 has no fs.glob, and the worker's `globby` is not a dependency here, so this supports the
 * subset that entry-point patterns use: `*`, `?`, `**`, `{a,b}` and `[abc]`.
 */

export function expandEntryPointGlob(projectDir: string, pattern: string): string[] {
  const normalized = pattern.replace(/\\/g, '/').replace(/^\.\//, '');
  const base = isAbsolute(normalized) ? '/' : resolve(projectDir);
  const segments = normalized.split('/').filter((segment) => segment !== '' && segment !== '.');
  const matches = new Set<string>();
  walk(base, segments, matches);
  return [...matches].sort();
}

/** Imports each module; returns how many functions were registered in total. */
export async function loadEntryPoints(files: string[], describeSource: string): Promise<number> {
  if (files.length === 0) {
    throw new Error(`No function modules found: ${describeSource} matched zero files. Did you build the app (npm run build)?`);
  }
  for (const file of files) {
    try {
      await import(pathToFileURL(file).href);
    } catch (error) {
      throw new Error(`Loading function module ${file} failed: ${(error as Error)?.stack ?? String(error)}`);
    }
  }
  const count = listFunctions().length;
  if (count === 0) {
    throw new Error(
      `Zero functions were captured from ${files.length} module(s) matched by ${describeSource}. ` +
        'Either the modules register nothing, or @azure/functions was loaded in "test mode" ' +
        '(installCapture() ran too late, or a second copy of @azure/functions was loaded).',
    );
  }
  return count;
}

export function describeFiles(projectDir: string, files: string[]): string {
  return files.map((file) => relative(projectDir, file) || file).join(', ');
}

function walk(dir: string, segments: string[], out: Set<string>): void {
  const [segment, ...rest] = segments;
  if (segment === undefined) {
    if (isFile(dir)) out.add(dir);
    return;
  }
  if (segment === '**') {
    // `**` matches zero or more directories.
    walk(dir, rest, out);
    for (const child of listDirectories(dir)) walk(join(dir, child), segments, out);
    return;
  }
  if (!hasMagic(segment)) {
    walk(join(dir, segment), rest, out);
    return;
  }
  const matcher = segmentToRegExp(segment);
  for (const entry of listEntries(dir)) {
    if (entry.startsWith('.') && !segment.startsWith('.')) continue;
    if (matcher.test(entry)) walk(join(dir, entry), rest, out);
  }
}

function hasMagic(segment: string): boolean {
  return /[*?[{]/.test(segment);
}

export function segmentToRegExp(segment: string): RegExp {
  let source = '';
  for (let i = 0; i < segment.length; i++) {
    const char = segment[i] as string;
    if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else if (char === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end < 0) source += '\\[';
      else {
        const body = segment.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        source += `[${body}]`;
        i = end;
      }
    } else if (char === '{') {
      const end = segment.indexOf('}', i + 1);
      if (end < 0) source += '\\{';
      else {
        const options = segment.slice(i + 1, end).split(',').map((option) => segmentToRegExp(option).source.slice(1, -1));
        source += `(?:${options.join('|')})`;
        i = end;
      }
    } else source += char.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

function listEntries(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function listDirectories(dir: string): string[] {
  return listEntries(dir).filter((entry) => !entry.startsWith('.') && entry !== 'node_modules' && isDirectory(join(dir, entry)));
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
