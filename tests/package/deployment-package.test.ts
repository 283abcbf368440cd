import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ignore from 'ignore';
import { describe, expect, it } from 'vitest';
import { DEFERRED_MODULES, PACKAGE_BUNDLE, PACKAGE_DEFERRED_DIR, PACKAGE_DIR, PACKAGE_ENTRY, PACKAGE_METAFILE, REPO_DIR, packageFiles } from '../../dev/package/layout.js';
import { PACKAGED_SWAGGER_UI_DIR, SWAGGER_UI_FILES } from '../../shared/docs/docs-site.js';
import { CONSOLE_FILE_NAMES, PACKAGED_CONSOLE_DIR } from '../../shared/console/console-site.js';
import { OPENAPI_DOCUMENT_PATH } from '../../shared/openapi/document-file.js';

/**
 * The deployment package (dist/app, built by `npm run package`, which `npm test` runs first) is
 * what azd uploads: these tests load it as the Azure Functions worker would and check what is in it.
 */

interface WorkerLoad {
  main: string;
  programmingModel: { name: string; version: string } | null;
  functions: { name: string; trigger: string; route?: string; schedule?: string; queueName?: string; topicName?: string }[];
  loadMs: number;
  handlerStack: string[] | null;
  commonJsModules: number;
}

const loadAsWorker = (env: Record<string, string> = {}): WorkerLoad => {
  // A fresh process with none of the test runner's modules or settings: only what the worker has.
  const output = execFileSync(process.execPath, [join(REPO_DIR, 'tests/fixtures/package/load-as-worker.mjs'), PACKAGE_DIR, '--stack'], {
    cwd: PACKAGE_DIR,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    encoding: 'utf8',
  });
  return JSON.parse(output.trim().split('\n').at(-1)!) as WorkerLoad;
};

const functionSourceNames = () =>
  readdirSync(join(REPO_DIR, 'functions'))
    .filter((file) => file.endsWith('.ts'))
    .map((file) => file.replace(/\.ts$/, ''))
    .sort();

describe('the deployment package, loaded as the Functions worker loads it', () => {
  const loaded = loadAsWorker();

  it('registers every function in functions/, one per file, with its trigger', () => {
    expect(loaded.functions.map((fn) => fn.name).sort()).toEqual(functionSourceNames());
    for (const fn of loaded.functions) expect(fn.trigger, fn.name).toMatch(/^(httpTrigger|timerTrigger|serviceBusTrigger)$/);
  });

  it('runs one copy of @azure/functions bound to the worker (its programming model is set: not "test mode")', () => {
    expect(loaded.programmingModel).toEqual({ name: '@azure/functions', version: expect.stringMatching(/^4\./) });
  });

  it('maps stack traces from the bundle to TypeScript lines (the entry turns source maps on before loading it)', () => {
    expect(loaded.handlerStack?.[1]).toMatch(/\bshared\/http\/endpoint\.ts:\d+:\d+\)$/);
  });

  it('loads no CommonJS module from node_modules: everything it needs at start is in the bundle', () => {
    expect(loaded.commonJsModules).toBe(0);
  });

  it('loads the same way with an Application Insights connection string set (the SDK waits for the first invocation)', () => {
    const withTelemetry = loadAsWorker({
      APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/',
    });
    expect(withTelemetry.functions.map((fn) => fn.name).sort()).toEqual(functionSourceNames());
    expect(withTelemetry.commonJsModules).toBe(0);
  });
});

describe('what the package holds', () => {
  const files = packageFiles(PACKAGE_DIR).map((file) => relative(PACKAGE_DIR, file));
  const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as Record<string, unknown>;

  it('host.json is the repository host.json, at the root', () => {
    expect(readFileSync(join(PACKAGE_DIR, 'host.json'), 'utf8')).toBe(readFileSync(join(REPO_DIR, 'host.json'), 'utf8'));
  });

  it('package.json names the bundle as main and declares no dependencies or scripts (nothing to install or build)', () => {
    expect(manifest['main']).toBe(PACKAGE_ENTRY);
    expect(manifest['type']).toBe('module');
    for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'scripts']) expect(manifest, field).not.toHaveProperty(field);
    const repo = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest['engines']).toEqual(repo['engines']);
    expect(manifest['version']).toBe(repo['version']);
  });

  it('holds only runtime files: no TypeScript, tests, node_modules or dev code', () => {
    expect(files.filter((file) => /\.ts$|(^|\/)node_modules\/|(^|\/)tests?\/|(^|\/)dev\/|\.test\./.test(file))).toEqual([]);
    const unexpected = files.filter(
      (file) =>
        !['host.json', 'package.json', OPENAPI_DOCUMENT_PATH].includes(file) &&
        !file.startsWith(`${PACKAGED_SWAGGER_UI_DIR}/`) &&
        !CONSOLE_FILE_NAMES.some((name) => file === `${PACKAGED_CONSOLE_DIR}/${name}`) &&
        file !== PACKAGE_ENTRY &&
        !new RegExp(`^(app|${PACKAGE_DEFERRED_DIR}/[\\w-]+)\\.js(\\.map|\\.LEGAL\\.txt)?$`).test(file),
    );
    expect(unexpected).toEqual([]);
  });

  it('serves the OpenAPI document it was built with, and only the Swagger UI files the docs page loads', () => {
    expect(readFileSync(join(PACKAGE_DIR, OPENAPI_DOCUMENT_PATH), 'utf8')).toBe(readFileSync(join(REPO_DIR, OPENAPI_DOCUMENT_PATH), 'utf8'));
    expect(files.filter((file) => file.startsWith(`${PACKAGED_SWAGGER_UI_DIR}/`)).sort()).toEqual(SWAGGER_UI_FILES.map((file) => `${PACKAGED_SWAGGER_UI_DIR}/${file}`).sort());
  });

  it('has a source map for every bundle, without copies of the sources', () => {
    for (const bundle of [PACKAGE_BUNDLE, ...Object.keys(DEFERRED_MODULES).map((name) => `${PACKAGE_DEFERRED_DIR}/${name}.js`)]) {
      expect(readFileSync(join(PACKAGE_DIR, bundle), 'utf8'), bundle).toMatch(/\/\/# sourceMappingURL=[\w-]+\.js\.map\s*$/);
      const map = JSON.parse(readFileSync(join(PACKAGE_DIR, `${bundle}.map`), 'utf8')) as { sources: string[]; sourcesContent?: unknown };
      expect(map.sources.some((source) => source.includes('shared/')), bundle).toBe(true);
      expect(map.sourcesContent, bundle).toBeUndefined();
    }
  });
  it('stays within 25 MiB and 400 files', () => {
    const bytes = packageFiles(PACKAGE_DIR).reduce((sum, file) => sum + readFileSync(file).length, 0);
    expect(files.length).toBeLessThanOrEqual(400);
    expect(bytes).toBeLessThanOrEqual(25 * 1024 * 1024);
  });
});

describe('what loads at start, from the bundler metafile', () => {
  type Outputs = Record<string, { imports: { path: string; kind: string; external?: boolean }[]; inputs: Record<string, unknown> }>;
  const outputs = (JSON.parse(readFileSync(PACKAGE_METAFILE, 'utf8')) as { metafile: { outputs: Outputs } }).metafile.outputs;
  const outputKey = (file: string) => Object.keys(outputs).find((key) => key.endsWith(`/app/${file}`));
  const bundle = () => outputs[outputKey(PACKAGE_BUNDLE)!]!;
  const inputsOf = (file: string) => Object.keys(outputs[outputKey(file)!]?.inputs ?? {});
  const deferredFile = (name: string) => `${PACKAGE_DEFERRED_DIR}/${name}.js`;

  it('the bundle holds the app and the SDKs every request needs (self-check of the reading)', () => {
    expect(inputsOf(PACKAGE_BUNDLE).some((input) => input.includes('node_modules/@azure/cosmos/'))).toBe(true);
    expect(inputsOf(PACKAGE_BUNDLE).some((input) => input.endsWith('shared/http/endpoint.ts'))).toBe(true);
  });

  it('imports each deferred module only dynamically, from its own bundle in the package', () => {
    const deferredImports = bundle().imports.filter((imported) => imported.path.startsWith(`./${PACKAGE_DEFERRED_DIR}/`));
    expect(deferredImports.map((imported) => imported.path).sort()).toEqual(Object.keys(DEFERRED_MODULES).map((name) => `./${deferredFile(name)}`).sort());
    for (const imported of deferredImports) expect(imported.kind, imported.path).toBe('dynamic-import');
    for (const name of Object.keys(DEFERRED_MODULES)) expect(existsSync(join(PACKAGE_DIR, deferredFile(name))), name).toBe(true);
  });

  const heavySdks: Record<string, keyof typeof DEFERRED_MODULES> = {
    applicationinsights: 'app-insights-sdk',
    '@opentelemetry/sdk-node': 'app-insights-sdk',
    '@azure/service-bus': 'service-bus-messaging',
    '@azure/identity': 'default-azure-credential',
    '@azure/msal-node': 'default-azure-credential',
    '@azure/keyvault-secrets': 'key-vault-secrets',
    'notifications-node-client': 'notify-client',
    axios: 'notify-client',
    jsonwebtoken: 'notify-client',
    '@azure/storage-blob': 'blob-attachment-storage',
  };
  for (const [sdk, deferred] of Object.entries(heavySdks)) {
    it(`${sdk} is in ${deferredFile(deferred)}, not in the bundle the worker loads at start`, () => {
      expect(inputsOf(deferredFile(deferred)).some((input) => input.includes(`node_modules/${sdk}/`))).toBe(true);
      expect(inputsOf(PACKAGE_BUNDLE).filter((input) => input.includes(`node_modules/${sdk}/`))).toEqual([]);
    });
  }
});

describe('no ignore file decides what ships', () => {
  /** The entry points an ignore file must never drop, as azd reads it (gitignore rules, the `ignore` package). */
  const droppedEntryPoints = (ignoreFileText: string, paths: string[]) => paths.filter((path) => ignore().add(ignoreFileText).ignores(path));
  const mustShip = () => ['host.json', 'package.json', PACKAGE_ENTRY];

  it('the checker catches the unanchored pattern that once dropped every compiled function (self-check)', () => {
    expect(droppedEntryPoints('functions/\nshared/\n', ['dist/functions/tasks-get.js', 'node_modules/@azure/functions/package.json'])).toEqual([
      'dist/functions/tasks-get.js',
      'node_modules/@azure/functions/package.json',
    ]);
  });

  it('every ignore file in the deployed folder keeps host.json, package.json and the entry file', () => {
    const ignoreFiles = ['.funcignore', '.webappignore', '.gitignore'].filter((name) => existsSync(join(PACKAGE_DIR, name)));
    for (const name of ignoreFiles) expect(droppedEntryPoints(readFileSync(join(PACKAGE_DIR, name), 'utf8'), mustShip()), name).toEqual([]);
    // Today there is none: the folder holds exactly the package.
    expect(ignoreFiles).toEqual([]);
  });
});
