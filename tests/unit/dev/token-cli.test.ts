import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS, defaultDemoUser } from '../../../dev/demo-users.js';
import { loadOrCreateDevIssuer } from '../../../dev/issuer.js';
import { main, selectUser } from '../../../dev/token-cli.js';
import { ROLES } from '../../../shared/auth/roles.js';
import { makeTempDir, removeTempDir } from '../../support/temp-dir.js';

const run = promisify(execFile);
const PROJECT = resolve(import.meta.dirname, '../../..');
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

let root: string;
beforeAll(() => {
  root = makeTempDir('caseload-token-');
});
afterAll(() => removeTempDir(root));

/** Verifies the token's signature and iss/aud with the issuer loaded from the same settings. */
async function verifyWith(dataDir: string, port: number, token: string) {
  const issuer = await loadOrCreateDevIssuer({ dataDir, baseUrl: `http://localhost:${port}` });
  const { payload } = await jwtVerify(token, createLocalJWKSet(issuer.jwks), { issuer: issuer.issuer, audience: issuer.audience });
  return payload;
}

describe('selectUser', () => {
  it.each(ROLES)('defaults to the first demo user of %s', (role) => {
    expect(selectUser([role])).toEqual({ ok: true, user: defaultDemoUser(role) });
  });

  it('accepts a demo user of the given role', () => {
    const chris = DEMO_USERS.find((user) => user.name === 'Chris Caseworker');
    expect(selectUser(['caseworker', chris?.id ?? ''])).toEqual({ ok: true, user: chris });
  });

  it.each([
    [[], /Expected a role/],
    [['caseworker', 'x', 'y'], /Expected a role/],
    [['superuser'], /Unknown role "superuser"/],
    [['Caseworker'], /Unknown role/],
    [['admin', 'not-a-user'], /"not-a-user" is not a demo user id/],
    [['admin', defaultDemoUser('caseworker').id], /Casey Caseworker\) has role caseworker, not admin/],
  ])('refuses %j', (argv, message) => {
    const result = selectUser(argv);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(message);
  });
});

describe('main', () => {
  it('prints only a token, on one line, for the default demo user, creating the key if needed', async () => {
    const dataDir = join(root, 'fresh');
    expect(existsSync(dataDir)).toBe(false);
    const result = await main(['caseworker'], { CASELOAD_DATA_DIR: dataDir, PORT: '7999' }, root);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.endsWith('\n')).toBe(true);
    expect(result.stdout.trimEnd()).toMatch(JWT);
    expect(existsSync(join(dataDir, 'dev-issuer', 'private-key.pem'))).toBe(true);

    const claims = await verifyWith(dataDir, 7999, result.stdout.trim());
    const casey = defaultDemoUser('caseworker');
    expect(claims).toMatchObject({ iss: 'http://localhost:7999/api', oid: casey.id, name: casey.name, roles: ['caseworker'] });
  });

  it('signs for the requested demo user with the existing key', async () => {
    const dataDir = join(root, 'existing');
    const mina = DEMO_USERS.find((user) => user.name === 'Mina Manager');
    const first = await main(['manager'], { CASELOAD_DATA_DIR: dataDir }, root);
    const second = await main(['manager', mina?.id ?? ''], { CASELOAD_DATA_DIR: dataDir }, root);
    expect(second.exitCode).toBe(0);
    expect(decodeJwt(second.stdout).oid).toBe(mina?.id);
    // Both verify against the one stored key and the default port.
    await verifyWith(dataDir, 7071, first.stdout.trim());
    await verifyWith(dataDir, 7071, second.stdout.trim());
  });

  it('resolves a relative CASELOAD_DATA_DIR against the working directory', async () => {
    const cwd = join(root, 'work');
    await mkdir(cwd, { recursive: true });
    const result = await main(['viewer'], { CASELOAD_DATA_DIR: 'rel-data' }, cwd);
    expect(result.exitCode).toBe(0);
    expect(existsSync(join(cwd, 'rel-data', 'dev-issuer', 'private-key.pem'))).toBe(true);
  });

  it('answers a usage error with exit 2, the roles and the demo users on stderr, and nothing on stdout', async () => {
    const dataDir = join(root, 'usage');
    const result = await main(['admin', defaultDemoUser('viewer').id], { CASELOAD_DATA_DIR: dataDir }, root);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('has role viewer, not admin');
    expect(result.stderr).toContain(`Roles: ${ROLES.join(', ')}`);
    for (const user of DEMO_USERS) expect(result.stderr).toContain(user.id);
    // A refused request creates nothing.
    expect(existsSync(dataDir)).toBe(false);
  });

  it('reports a bad PORT with exit 2', async () => {
    const result = await main(['admin'], { PORT: 'seventy', CASELOAD_DATA_DIR: join(root, 'port') }, root);
    expect(result).toMatchObject({ exitCode: 2, stdout: '' });
    expect(result.stderr).toMatch(/^PORT="seventy"/);
  });

  it('prints usage for --help', async () => {
    const result = await main(['--help'], {}, root);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Usage: npm run -s token -- <role> [userId]');
  });
});

describe('compiled CLI (node dev/token.js)', () => {
  // Compiles only token.ts and what it imports, so other people's work in progress elsewhere in
  // the project cannot break this test. Output goes to the git-ignored tests/artifacts/.
  const buildDir = join(PROJECT, 'tests', 'artifacts', 'token-cli-build');
  const entry = join(buildDir, 'out', 'dev', 'token.js');

  beforeAll(async () => {
    await rm(buildDir, { recursive: true, force: true });
    await mkdir(buildDir, { recursive: true });
    const tsconfig = {
      extends: join(PROJECT, 'tsconfig.json'),
      compilerOptions: { rootDir: PROJECT, outDir: join(buildDir, 'out'), sourceMap: false, noEmit: false },
      include: [],
      files: [join(PROJECT, 'dev', 'token.ts')],
    };
    await writeFile(join(buildDir, 'tsconfig.json'), JSON.stringify(tsconfig));
    await run(process.execPath, [join(PROJECT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(buildDir, 'tsconfig.json')], { cwd: PROJECT });
  }, 120_000);

  it('prints one verifiable token line and exits 0', async () => {
    const dataDir = join(root, 'e2e');
    const { stdout, stderr } = await run(process.execPath, [entry, 'caseworker'], {
      cwd: PROJECT,
      env: { ...process.env, CASELOAD_DATA_DIR: dataDir, PORT: '7123' },
    });
    expect(stderr).toBe('');
    expect(stdout.split('\n')).toEqual([expect.stringMatching(JWT), '']);
    expect((await verifyWith(dataDir, 7123, stdout.trim())).oid).toBe(defaultDemoUser('caseworker').id);
  });

  it('exits 2 with usage on stderr for an unknown role', async () => {
    const failure = await run(process.execPath, [entry, 'nobody'], {
      cwd: PROJECT,
      env: { ...process.env, CASELOAD_DATA_DIR: join(root, 'e2e-usage') },
    }).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stdout).toBe('');
    expect(failure?.stderr).toContain('Unknown role "nobody"');
  });
});
