import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import ts from 'typescript';
import { removeTempDir } from './temp-dir.js';

/**
 * Transpiles some of the project's TypeScript, file by file with the compiler API, for child
 * processes: they cannot run TypeScript here (tsx is not installed and Node 20 cannot strip types),
 * and a `npm run build` of the whole project is what others' work in progress may break.
 *
 * `paths` are folders (every .ts file in them) or single .ts files, relative to `repoRoot`. The
 * output keeps the repository layout, so relative imports between them resolve (such as
 * ../../shared/config/entities.js), in a fresh folder under node_modules/.cache/<cacheName>, so
 * packages resolve from the project's node_modules.
 */
export function transpileForChild(repoRoot: string, cacheName: string, paths: string[]): { dir: string; cleanup: () => void } {
  const cacheRoot = join(repoRoot, 'node_modules/.cache', cacheName);
  mkdirSync(cacheRoot, { recursive: true });
  const outDir = mkdtempSync(join(cacheRoot, 'build-'));
  // node_modules is a package-scope boundary: without this the output would load as CommonJS.
  writeFileSync(join(outDir, 'package.json'), JSON.stringify({ type: 'module' }));
  for (const path of paths) {
    const files = path.endsWith('.ts')
      ? [path]
      : readdirSync(join(repoRoot, path))
          .filter((name) => name.endsWith('.ts'))
          .map((name) => join(path, name));
    for (const file of files) {
      const { outputText, diagnostics } = ts.transpileModule(readFileSync(join(repoRoot, file), 'utf8'), {
        fileName: basename(file),
        reportDiagnostics: true,
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true, esModuleInterop: true },
      });
      if (diagnostics?.length) throw new Error(`transpiling ${file}: ${ts.formatDiagnostics(diagnostics, ts.createCompilerHost({}))}`);
      mkdirSync(join(outDir, dirname(file)), { recursive: true });
      writeFileSync(join(outDir, file.replace(/\.ts$/, '.js')), outputText);
    }
  }
  return { dir: outDir, cleanup: () => removeTempDir(outDir) };
}
