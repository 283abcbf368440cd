import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultDemoUser } from '../../dev/demo-users.js';
import { freePort } from '../../dev/free-port.js';
import { spawnNode } from '../support/child-process.js';
import { uniqueCaseId } from '../integration/fixtures.js';
import { startLocalHost, type LocalHost } from '../integration/local-host.js';

/**
 * The contract as a consumer meets it: types generated from the document the running host serves,
 * with openapi-typescript's default options; a workflow program written against them with
 * openapi-fetch and no casts (tests/consumer/workflow.ts), compiled with tsc --strict; then run
 * against the local host, directly and through Prism as a validating proxy (as an API Management
 * consumer would try it). A contract that forces a client to pass `limit: '5'`, send fields the
 * server defaults, or cast batch items does not compile here.
 */
const run = promisify(execFile);
const require = createRequire(import.meta.url);
const root = join(import.meta.dirname, '..', '..');
// Inside the repository (git-ignored), so the compiled program resolves openapi-fetch from its node_modules.
const work = join(root, 'tests', 'artifacts', 'consumer');
const openapiTypescript = join(require.resolve('openapi-typescript/package.json'), '..', 'bin', 'cli.js');
const tsc = join(require.resolve('typescript/package.json'), '..', 'bin', 'tsc');
const workflowSource = join(import.meta.dirname, 'workflow.ts');
const prismCli = join(require.resolve('@stoplight/prism-cli/package.json'), '..', 'dist', 'index.js');

let host: LocalHost;
beforeAll(async () => {
  host = await startLocalHost();
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
});
afterAll(async () => host?.dispose());

describe('a consumer of the contract', () => {
  it('is written without casts or any', () => {
    const code = readFileSync(workflowSource, 'utf8')
      .split('\n')
      .filter((line) => !/^\s*(\*|\/\/|\/\*|import\b)/.test(line))
      .join('\n');
    expect(code).not.toMatch(/\bas\s+(?!const\b)[\w{[(]/);
    expect(code).not.toMatch(/\bany\b|@ts-|<[A-Z]\w*>\s*\w/);
  });

  it("generates types from the served document, compiles a whole workflow and the README's example with tsc --strict, and runs the workflow against the local host", async () => {
    const served = await fetch(`${host.baseUrl}/api/openapi.json`);
    expect(served.status).toBe(200);
    writeFileSync(join(work, 'caseload.openapi.json'), await served.text());
    // Default options: what `npx openapi-typescript <document> -o caseload.d.ts` gives a consumer.
    await run(process.execPath, [openapiTypescript, 'caseload.openapi.json', '-o', 'caseload.d.ts'], { cwd: work });
    copyFileSync(workflowSource, join(work, 'workflow.ts'));
    // The README's example for consumers must compile too (it is what people copy first).
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const example = /### Calling the API from code[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example, "README's consumer example").toBeDefined();
    writeFileSync(join(work, 'readme-example.ts'), example!);

    const compiled = await run(
      process.execPath,
      [tsc, '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--lib', 'es2023', '--types', 'node', '--outDir', 'out', 'workflow.ts', 'readme-example.ts'],
      { cwd: work },
    ).then(
      () => '',
      (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? ''}`,
    );
    expect(compiled, 'tsc --strict errors').toBe('');

    expect(JSON.parse(await runWorkflow(`${host.baseUrl}/api`))).toEqual({ steps: WORKFLOW_STEPS });
  }, 180_000);

  it('runs the same workflow through Prism as a validating proxy: every request and response of it within the contract', async () => {
    // Compiled by the test before (vitest runs a file's tests in order).
    const port = await freePort();
    const prism = spawnNode({
      name: 'Prism',
      script: prismCli,
      args: ['proxy', join(work, 'caseload.openapi.json'), `${host.baseUrl}/api`, '--errors', '--host', '127.0.0.1', '--port', String(port)],
      cwd: work,
    });
    try {
      await prism.waitForOutput('Prism is listening', 60_000);
      expect(JSON.parse(await runWorkflow(`http://127.0.0.1:${port}`))).toEqual({ steps: WORKFLOW_STEPS });
      // --errors: a violation would have answered the call with Prism's own error, and it logs each one.
      expect(prism.output()).not.toMatch(/✖|UNPROCESSABLE_ENTITY|VIOLATIONS/);
      // Control: the proxy does refuse what the contract refuses (a comma-separated filter).
      const refused = await fetch(`http://127.0.0.1:${port}/v1/tasks?status=pending,in_progress`, {
        headers: { authorization: `Bearer ${await host.token('manager')}`, 'ocp-apim-subscription-key': 'x' },
      });
      expect(refused.status).toBe(422);
      await prism.waitForOutput('✖', 10_000);
    } finally {
      await prism.stop('SIGTERM');
    }
  }, 180_000);
});

const WORKFLOW_STEPS = ['create', 'get', '304', 'batch', 'list', 'cursor', 'patch', '412', 'claim', 'complete', 'assign', 'cancel', 'reopen', '409', '404', '400', 'stats', 'history'];

/** Runs the compiled workflow against an API base URL, on a case of its own; resolves with what it printed. */
async function runWorkflow(api: string): Promise<string> {
  const { stdout } = await run(process.execPath, [join(work, 'out', 'workflow.js')], {
    cwd: work,
    env: {
      ...process.env,
      CASELOAD_API: api,
      MANAGER_TOKEN: await host.token('manager'),
      CASEWORKER_TOKEN: await host.token('caseworker'),
      CASEWORKER_ID: defaultDemoUser('caseworker').id,
      CASE_ID: uniqueCaseId(),
    },
  });
  return stdout.trim();
}
