/**
 * Shared test plumbing for the embedded database.
 *
 * Child processes (the crash tests) cannot run our TypeScript directly: tsx is
 * not installed and Node 20 cannot strip types. Rather than depend on a
 * `npm run build` of the whole project (which other people's work in progress
 * may break), buildEmbeddedCosmos() transpiles just dev/cosmos/*.ts with the
 * TypeScript compiler API into a temp folder whose node_modules links back to
 * the project's, and the runner (plain .mjs) imports the result.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { CosmosClient } from '@azure/cosmos';
import { embeddedCosmosClientOptions, type EmbeddedCosmos } from '../../../dev/cosmos/index.js';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const runnerPath = fileURLToPath(new URL('./crash-runner.mjs', import.meta.url));

const cleanups: string[] = [];

export function tempDir(prefix = 'caseload-cosmos-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of cleanups.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Transpiles dev/cosmos into a temp folder; returns the path of its index.js. */
export function buildEmbeddedCosmos(): string {
  const out = tempDir('caseload-cosmos-build-');
  const source = join(repoRoot, 'dev', 'cosmos');
  const target = join(out, 'dev', 'cosmos');
  mkdirSync(target, { recursive: true });
  for (const name of readdirSync(source)) {
    if (!name.endsWith('.ts')) continue;
    const { outputText, diagnostics } = ts.transpileModule(readFileSync(join(source, name), 'utf8'), {
      fileName: name,
      reportDiagnostics: true,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    if (diagnostics?.length) throw new Error(`transpiling ${name}: ${ts.formatDiagnostics(diagnostics, ts.createCompilerHost({}))}`);
    writeFileSync(join(target, name.replace(/\.ts$/, '.js')), outputText);
  }
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
  // 'junction' works without privileges on Windows and is ignored elsewhere.
  symlinkSync(join(repoRoot, 'node_modules'), join(out, 'node_modules'), 'junction');
  return join(target, 'index.js');
}

export function clientFor(db: EmbeddedCosmos): CosmosClient {
  return new CosmosClient(embeddedCosmosClientOptions(db));
}

