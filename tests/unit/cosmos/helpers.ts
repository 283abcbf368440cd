/**
 * Shared test plumbing for the embedded database.
 *
 * Child processes (the crash tests) cannot run our TypeScript directly, so buildEmbeddedCosmos()
 * transpiles just dev/cosmos/*.ts (see transpileForChild) and the runner (plain .mjs) imports the
 * result.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CosmosClient } from '@azure/cosmos';
import { embeddedCosmosClientOptions, type EmbeddedCosmos } from '../../../dev/cosmos/index.js';
import { tempDirs } from '../../support/temp-dir.js';
import { transpileForChild } from '../../support/transpile.js';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const runnerPath = fileURLToPath(new URL('./crash-runner.mjs', import.meta.url));

const dirs = tempDirs('caseload-cosmos-');
const builds: Array<() => void> = [];

export const tempDir = (prefix?: string): string => dirs.make(prefix);

export function removeTempDirs(): void {
  dirs.removeAll();
  for (const cleanup of builds.splice(0)) cleanup();
}

/** Transpiles dev/cosmos (removed again by removeTempDirs); returns the path of its index.js. */
export function buildEmbeddedCosmos(): string {
  const { dir, cleanup } = transpileForChild(repoRoot, 'cosmos-tests', ['dev/cosmos']);
  builds.push(cleanup);
  return join(dir, 'dev/cosmos/index.js');
}

export function clientFor(db: EmbeddedCosmos): CosmosClient {
  return new CosmosClient(embeddedCosmosClientOptions(db));
}
