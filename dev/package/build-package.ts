/**
 * `npm run package`: builds the deployment package, the one folder that `azd up` uploads and that
 * the local host, the integration suite, the browser test and the benchmarks all run.
 *
 * esbuild bundles every file in functions/ (and what they import: shared/ and the npm packages)
 * into one ES module; the SDKs that only some processes need are built into bundles of their own
 * that it loads on first use (DEFERRED_MODULES). Why esbuild: docs/adr/0005-deployment-package.md.
 */
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { CONSOLE_FILE_NAMES, PACKAGED_CONSOLE_DIR } from '../../shared/console/console-site.js';
import { PACKAGED_SWAGGER_UI_DIR, SWAGGER_UI_FILES } from '../../shared/docs/docs-site.js';
import { OPENAPI_DOCUMENT_PATH } from '../../shared/openapi/document-file.js';
import { DEFERRED_MODULES, PACKAGE_BUNDLE, PACKAGE_DEFERRED_DIR, PACKAGE_DIR, PACKAGE_ENTRY, PACKAGE_METAFILE, REPO_DIR, WORKER_PROVIDED_MODULES, packageFiles } from './layout.js';

const FUNCTIONS_DIR = join(REPO_DIR, 'functions');
const ENTRY_MODULE = 'caseload:functions';

/**
 * ESM output has no `require`, `__filename` or `__dirname`, but CommonJS code inside the bundle
 * uses them: the @azure/functions library requires Node built-ins and `@azure/functions-core`
 * (which the worker answers by intercepting Module.prototype.require), and some SDKs locate files
 * next to themselves. A real CommonJS require, and the output file's own path, keep them working.
 */
const COMMONJS_SHIM = [
  "import { createRequire as __caseloadCreateRequire } from 'node:module';",
  "import { fileURLToPath as __caseloadFileURLToPath } from 'node:url';",
  'const require = __caseloadCreateRequire(import.meta.url);',
  'const __filename = __caseloadFileURLToPath(import.meta.url);',
  "const __dirname = __caseloadFileURLToPath(new URL('.', import.meta.url));",
].join(' ');

/**
 * The file the worker loads. Node reads a module's source map when it compiles the module, so
 * source maps must be on before the bundle is compiled: enabled here, then the bundle is loaded.
 * Stack traces (and what Application Insights records of them) then point at TypeScript lines,
 * with no NODE_OPTIONS app setting to forget.
 */
const ENTRY_FILE = `// Written by npm run package (dev/package/build-package.ts).
process.setSourceMapsEnabled(true);
await import('./${PACKAGE_BUNDLE}');
`;

/** The same for the main bundle and each deferred module. */
const COMMON_OPTIONS = {
  absWorkingDir: REPO_DIR,
  bundle: true,
  platform: 'node',
  format: 'esm',
  // The oldest Node the package runs on (Azure runs 22).
  target: 'node20',
  external: [...WORKER_PROVIDED_MODULES],
  banner: { js: COMMONJS_SHIM },
  // Smaller code parses faster at cold start; names are kept so error and class names survive.
  minify: true,
  keepNames: true,
  // Stack traces point at the TypeScript lines (ENTRY_FILE turns source maps on).
  sourcemap: 'linked',
  sourcesContent: false,
  // Third-party licence notices stay with the code that needs them, in one file per output.
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
} satisfies BuildOptions;

interface PackageSummary {
  dir: string;
  files: number;
  bytes: number;
  functionModules: number;
}

async function buildPackage(outDir: string = PACKAGE_DIR): Promise<PackageSummary> {
  const functionFiles = readdirSync(FUNCTIONS_DIR).filter((name) => name.endsWith('.ts')).sort();
  if (functionFiles.length === 0) throw new Error(`No function files in ${FUNCTIONS_DIR}.`);

  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  // The main bundle: every function, with the deferred modules left as imports of their own bundles.
  const main = await build({
    ...COMMON_OPTIONS,
    entryPoints: { [PACKAGE_BUNDLE.replace(/\.js$/, '')]: ENTRY_MODULE },
    plugins: [functionsEntry(functionFiles), deferredModulesExternal()],
    outdir: outDir,
  });
  // Each deferred module: self-contained, no shared chunks, so CommonJS inside it keeps Node's semantics.
  const deferred = await build({
    ...COMMON_OPTIONS,
    entryPoints: Object.fromEntries(Object.entries(DEFERRED_MODULES).map(([name, source]) => [name, join(REPO_DIR, source)])),
    outdir: join(outDir, PACKAGE_DEFERRED_DIR),
  });

  writeFileSync(join(outDir, PACKAGE_ENTRY), ENTRY_FILE);
  copyFileSync(join(REPO_DIR, 'host.json'), join(outDir, 'host.json'));
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify(packageManifest(), null, 2)}\n`);
  copyInto(outDir, join(REPO_DIR, OPENAPI_DOCUMENT_PATH), OPENAPI_DOCUMENT_PATH);
  const swaggerUiDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  for (const file of SWAGGER_UI_FILES) copyInto(outDir, join(swaggerUiDir, file), join(PACKAGED_SWAGGER_UI_DIR, file));
  await buildConsole(outDir);
  // Beside the package, not in it: what each output holds, for tests and for trimming the bundle.
  const metafile: Metafile = { inputs: { ...main.metafile.inputs, ...deferred.metafile.inputs }, outputs: { ...main.metafile.outputs, ...deferred.metafile.outputs } };
  writeFileSync(PACKAGE_METAFILE, `${JSON.stringify({ bytesByPackage: inputSummary(metafile), metafile }, null, 2)}\n`);

  const files = packageFiles(outDir);
  return {
    dir: outDir,
    files: files.length,
    bytes: files.reduce((sum, file) => sum + statSync(file).size, 0),
    functionModules: functionFiles.length,
  };
}

/** A virtual entry module importing every function file, in name order, as the worker's glob would. */
function functionsEntry(functionFiles: string[]): Plugin {
  return {
    name: 'caseload-functions-entry',
    setup(builder) {
      builder.onResolve({ filter: /^caseload:functions$/ }, () => ({ path: ENTRY_MODULE, namespace: 'caseload' }));
      builder.onLoad({ filter: /.*/, namespace: 'caseload' }, () => ({
        contents: [
          ...functionFiles.map((file) => `import ${JSON.stringify(`./functions/${file}`)};`),
          // BundleExports (layout.ts): how an in-process host configures the composition root.
          "export { configureServices } from './shared/services.ts';",
        ].join('\n'),
        resolveDir: REPO_DIR,
        loader: 'ts',
      }));
    },
  };
}

/**
 * A dynamic import of a deferred module becomes an import of its bundle (a path relative to the
 * entry file); a static import of one would pull its SDK back into the main bundle, so it fails the build.
 */
function deferredModulesExternal(): Plugin {
  const bySource = new Map(Object.entries(DEFERRED_MODULES).map(([name, source]) => [join(REPO_DIR, source), name]));
  return {
    name: 'caseload-deferred-modules',
    setup(builder) {
      builder.onResolve({ filter: /^\.\.?\// }, (args) => {
        const name = bySource.get(join(args.resolveDir, args.path).replace(/\.js$/, '.ts'));
        if (name === undefined) return undefined;
        if (args.kind !== 'dynamic-import') {
          return { errors: [{ text: `${args.path} is a deferred module (dev/package/layout.ts): import it only with import(), not from ${relative(REPO_DIR, args.importer)}.` }] };
        }
        return { path: `./${PACKAGE_DEFERRED_DIR}/${name}.js`, external: true };
      });
    },
  };
}

/** What the worker reads: `main` names the bundle; no dependencies, because everything is inside it. */
function packageManifest(): Record<string, unknown> {
  const source = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as Record<string, unknown>;
  return {
    name: source['name'],
    version: source['version'],
    description: source['description'],
    private: true,
    type: 'module',
    main: PACKAGE_ENTRY,
    engines: source['engines'],
  };
}

/** Bytes of each npm package (and of the app's own code) in the bundle, largest first: what to trim next. */
function inputSummary(metafile: Metafile): Record<string, number> {
  const byPackage = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const key = match?.[1] ?? '(app)';
      byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
    }
  }
  return Object.fromEntries([...byPackage].sort((a, b) => b[1] - a[1]));
}

/**
 * The operations console's files (shared/console/console-site.ts CONSOLE_FILES): its script,
 * bundled for browsers from console/ with oauth4webapi inside; Pico CSS as the npm package ships it;
 * and its own few styles.
 */
async function buildConsole(outDir: string): Promise<void> {
  await build({
    absWorkingDir: REPO_DIR,
    entryPoints: [join(REPO_DIR, 'console', 'main.ts')],
    outfile: join(outDir, PACKAGED_CONSOLE_DIR, 'console.js'),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    // The licence notices of what is bundled, at the end of the one file served.
    legalComments: 'eof',
    logLevel: 'warning',
  });
  const pico = join(dirname(createRequire(import.meta.url).resolve('@picocss/pico/package.json')), 'css', 'pico.min.css');
  copyInto(outDir, pico, join(PACKAGED_CONSOLE_DIR, 'pico.min.css'));
  copyInto(outDir, join(REPO_DIR, 'console', 'console.css'), join(PACKAGED_CONSOLE_DIR, 'console.css'));
  const missing = CONSOLE_FILE_NAMES.filter((file) => !existsSync(join(outDir, PACKAGED_CONSOLE_DIR, file)));
  if (missing.length > 0) throw new Error(`The console's files are incomplete: ${missing.join(', ')} missing.`);
}

function copyInto(outDir: string, from: string, to: string): void {
  const target = join(outDir, to);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(from, target);
}

try {
  const summary = await buildPackage();
  const mib = (summary.bytes / 1024 / 1024).toFixed(1);
  console.log(`Deployment package: ${relative(process.cwd(), summary.dir) || '.'} (${summary.functionModules} function modules, ${summary.files} files, ${mib} MiB)`);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
