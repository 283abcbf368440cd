import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS, defaultDemoUser } from '../../../dev/demo-users.js';
import { devIssuerRoutes, loadOrCreateDevIssuer } from '../../../dev/issuer.js';
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

/** A local host stand-in: the dev issuer's routes for a data folder, on a free port of localhost. */
interface FakeHost {
  port: number;
  origin: string;
  close(): Promise<void>;
}

const hosts: FakeHost[] = [];
afterAll(async () => {
  for (const host of hosts.splice(0)) await host.close();
});

async function fakeHost(dataDir: string): Promise<FakeHost> {
  let routes: ReturnType<typeof devIssuerRoutes> | undefined;
  const server = createServer((req, res) => {
    void (routes?.(req, res) ?? Promise.resolve(false)).then((answered) => {
      if (!answered) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const port = (server.address() as AddressInfo).port;
  const origin = `http://localhost:${port}`;
  routes = devIssuerRoutes(await loadOrCreateDevIssuer({ dataDir, baseUrl: origin }));
  const host = {
    port,
    origin,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  hosts.push(host);
  return host;
}

/** A process id that is not running: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid!;
}

describe('main', () => {
  it('prints only a token, on one line, for the host on the data folder, found through the record it left there', async () => {
    const dataDir = join(root, 'recorded');
    const host = await fakeHost(dataDir);
    await writeFile(join(dataDir, 'dev-issuer', 'running-host.json'), JSON.stringify({ origin: host.origin, pid: process.pid }));
    const result = await main(['caseworker'], { CASELOAD_DATA_DIR: dataDir }, root);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout.endsWith('\n')).toBe(true);
    expect(result.stdout.trimEnd()).toMatch(JWT);
    const claims = await verifyWith(dataDir, host.port, result.stdout.trim());
    const casey = defaultDemoUser('caseworker');
    expect(claims).toMatchObject({ iss: `${host.origin}/api`, oid: casey.id, name: casey.name, roles: ['caseworker'] });
  });

  it('signs for the requested demo user for the host PORT names', async () => {
    const dataDir = join(root, 'by-port');
    const host = await fakeHost(dataDir);
    const mina = DEMO_USERS.find((user) => user.name === 'Mina Manager');
    const result = await main(['manager', mina?.id ?? ''], { CASELOAD_DATA_DIR: dataDir, PORT: String(host.port) }, root);
    expect(result.exitCode).toBe(0);
    expect(decodeJwt(result.stdout).oid).toBe(mina?.id);
    await verifyWith(dataDir, host.port, result.stdout.trim());
  });

  it('refuses, creating nothing, when no host has run on the data folder, and says what to set', async () => {
    const dataDir = join(root, 'never-ran');
    const result = await main(['caseworker'], { CASELOAD_DATA_DIR: dataDir }, root);
    expect(result).toMatchObject({ exitCode: 1, stdout: '' });
    expect(result.stderr).toContain(`No local host has run on the data folder ${dataDir}`);
    expect(result.stderr).toContain('CASELOAD_DATA_DIR');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses when no host answers, naming PORT, and the recorded host when PORT points elsewhere', async () => {
    const dataDir = join(root, 'elsewhere');
    const host = await fakeHost(dataDir);
    await writeFile(join(dataDir, 'dev-issuer', 'running-host.json'), JSON.stringify({ origin: host.origin, pid: process.pid }));
    const closed = await fakeHost(join(root, 'closed'));
    await closed.close();
    const result = await main(['admin'], { CASELOAD_DATA_DIR: dataDir, PORT: String(closed.port) }, root);
    expect(result).toMatchObject({ exitCode: 1, stdout: '' });
    expect(result.stderr).toContain(`No local host answers at http://localhost:${closed.port}`);
    expect(result.stderr).toContain(`The host running on ${dataDir} is at ${host.origin}: unset PORT`);
  });

  it('ignores the record of a host that has died (its port may be anyone\'s now)', async () => {
    const dataDir = join(root, 'crashed');
    const host = await fakeHost(dataDir);
    await writeFile(join(dataDir, 'dev-issuer', 'running-host.json'), JSON.stringify({ origin: host.origin, pid: await deadPid() }));
    const closed = await fakeHost(join(root, 'closed-2'));
    await closed.close();
    // Without the record it falls back to PORT (here a closed one): refused, not signed for the dead host's origin.
    const result = await main(['admin'], { CASELOAD_DATA_DIR: dataDir, PORT: String(closed.port) }, root);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).not.toContain(host.origin);
  });

  it('refuses when the host at the port runs on another data folder (its key is not this one)', async () => {
    const host = await fakeHost(join(root, 'theirs'));
    const mine = join(root, 'mine');
    await fakeHost(mine); // leaves a key in mine
    const result = await main(['viewer'], { CASELOAD_DATA_DIR: mine, PORT: String(host.port) }, root);
    expect(result).toMatchObject({ exitCode: 1, stdout: '' });
    expect(result.stderr).toContain(`The host at ${host.origin} signs with another key than the one in ${mine}`);
    expect(result.stderr).toContain('Set CASELOAD_DATA_DIR');
  });

  it('resolves a relative CASELOAD_DATA_DIR against the working directory', async () => {
    const cwd = join(root, 'work');
    await mkdir(cwd, { recursive: true });
    const host = await fakeHost(join(cwd, 'rel-data'));
    const result = await main(['viewer'], { CASELOAD_DATA_DIR: 'rel-data', PORT: String(host.port) }, cwd);
    expect(result.exitCode).toBe(0);
    await verifyWith(join(cwd, 'rel-data'), host.port, result.stdout.trim());
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

  it('prints one verifiable token line for the running host and exits 0', async () => {
    const dataDir = join(root, 'e2e');
    const host = await fakeHost(dataDir);
    const { stdout, stderr } = await run(process.execPath, [entry, 'caseworker'], {
      cwd: PROJECT,
      env: { ...process.env, CASELOAD_DATA_DIR: dataDir, PORT: String(host.port) },
    });
    expect(stderr).toBe('');
    expect(stdout.split('\n')).toEqual([expect.stringMatching(JWT), '']);
    expect((await verifyWith(dataDir, host.port, stdout.trim())).oid).toBe(defaultDemoUser('caseworker').id);
  });

  /** Runs the compiled CLI expecting it to fail; resolves with its exit code and output. */
  const failedRun = (role: string, dataDir: string) =>
    run(process.execPath, [entry, role], { cwd: PROJECT, env: { ...process.env, CASELOAD_DATA_DIR: dataDir } }).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it('exits 1 with what to set, and nothing on stdout, when no host has run on the data folder', async () => {
    const failure = await failedRun('caseworker', join(root, 'e2e-none'));
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toBe('');
    expect(failure?.stderr).toMatch(/No local host has run on the data folder .*CASELOAD_DATA_DIR/s);
  });

  it('exits 2 with usage on stderr for an unknown role', async () => {
    const failure = await failedRun('nobody', join(root, 'e2e-usage'));
    expect(failure?.code).toBe(2);
    expect(failure?.stdout).toBe('');
    expect(failure?.stderr).toContain('Unknown role "nobody"');
  });
});
