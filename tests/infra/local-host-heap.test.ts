import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { FUNCTION_INSTANCE_MEMORY_MB, LOCAL_HOST_NODE_FLAGS, OLD_GENERATION_MB, SEMI_SPACE_MB } from '../../dev/host-runtime.js';
import { findStatement } from './bicep-tree.js';
import { evaluate, mainFile, paramFiles, readRepoFile, scopeOf, shortPath } from './templates.js';

/**
 * The local host runs with the V8 heap the app gets on its Azure instance (dev/host-runtime.ts):
 * the memory it is sized from is the Function App's, and `npm start` uses the same flags as the
 * tests and the benchmark.
 */
describe('the local host heap', () => {
  it('is sized from the Function App instance memory that the templates deploy', () => {
    const main = mainFile();
    expect(evaluate(findStatement(main, 'param', 'functionInstanceMemoryMB')!.value!, scopeOf(main))).toBe(FUNCTION_INSTANCE_MEMORY_MB);
    for (const file of paramFiles()) {
      const set = findStatement(file, 'param', 'functionInstanceMemoryMB');
      if (set) expect(evaluate(set.value!, scopeOf(file)), `${shortPath(file)} functionInstanceMemoryMB`).toBe(FUNCTION_INSTANCE_MEMORY_MB);
    }
  });

  it('npm start runs the host with the same Node flags as the tests and the benchmark', () => {
    const scripts = (JSON.parse(readRepoFile('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['start']).toBe(`npm run -s package && node ${LOCAL_HOST_NODE_FLAGS.join(' ')} dist/dev/start.js`);
  });

  it('gives V8 the heap limit of that instance (old generation plus three semi-spaces)', () => {
    const limit = execFileSync(process.execPath, [...LOCAL_HOST_NODE_FLAGS, '-p', "require('node:v8').getHeapStatistics().heap_size_limit"], { encoding: 'utf8' });
    expect(Number(limit) / 2 ** 20).toBe(OLD_GENERATION_MB + 3 * SEMI_SPACE_MB);
  });
});
