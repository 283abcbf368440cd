import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The dependency direction of docs/architecture.md, checked on the imports themselves:
 * functions → entry points → use cases → domain; the domain is pure and knows no transport.
 */
const root = join(import.meta.dirname, '..', '..');

function importsOf(dir: string): { file: string; target: string }[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .flatMap((entry) => {
      const file = relative(root, join(entry.parentPath, entry.name));
      const text = readFileSync(join(root, file), 'utf8');
      return [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm), ...text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)].map((match) => ({
        file,
        target: match[1]!.startsWith('.') ? relative(root, join(root, file, '..', match[1]!)) : match[1]!,
      }));
    });
}

const offending = (dir: string, forbidden: RegExp) => importsOf(dir).filter(({ target }) => forbidden.test(target)).map(({ file, target }) => `${file} imports ${target}`);

describe('dependency direction', () => {
  it('reads imports (self-check)', () => {
    expect(importsOf('shared/domain').some(({ target }) => target === 'shared/errors/app-error.js')).toBe(true);
  });

  it('the domain imports no transport, store, messaging, entry point, use case, composition root or SDK', () => {
    expect(offending('shared/domain', /^shared\/(http|store|messaging|consumers|use-cases|services|telemetry)\b|^@azure\/|^applicationinsights$/)).toEqual([]);
  });

  it('use cases know nothing of HTTP or of the entry points, and never reach for the process services', () => {
    expect(offending('shared/use-cases', /^shared\/(http|consumers)\b|^@azure\/functions$/)).toEqual([]);
    const reachesForProcessServices = importsOf('shared/use-cases').filter(({ file }) => readFileSync(join(root, file), 'utf8').includes('servicesForProcess'));
    expect(reachesForProcessServices).toEqual([]);
  });

  it('only the entry points resolve the process services', () => {
    const callers = ['functions', 'shared', 'dev']
      .flatMap((dir) => readdirSync(join(root, dir), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile() && entry.name.endsWith('.ts')).map((entry) => relative(root, join(entry.parentPath, entry.name))))
      .filter((file) => /servicesForProcess\(/.test(readFileSync(join(root, file), 'utf8')));
    expect(callers.sort()).toEqual(['shared/consumers/register-consumer.ts', 'shared/http/endpoint.ts', 'shared/services.ts']);
  });

  it('function files register and delegate: no repository, SDK or message parsing of their own', () => {
    expect(offending('functions', /^shared\/store\b|^shared\/storage\b|^@azure\/(cosmos|service-bus|identity|keyvault-secrets|storage-blob)$|^shared\/services\.js$/)).toEqual([]);
    const parsing = readdirSync(join(root, 'functions')).filter((file) => /JSON\.parse\(/.test(readFileSync(join(root, 'functions', file), 'utf8')));
    expect(parsing).toEqual([]);
  });
});
