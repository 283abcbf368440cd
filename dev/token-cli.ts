import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROLES, roleSchema, type Role } from '../shared/auth/roles.js';
import { DEMO_USERS, defaultDemoUser, type DemoUser } from './demo-users.js';
import { DEV_SETTING, DevSettingsError, resolveDevSettings } from './dev-settings.js';
import { DEV_ISSUER_KEY_DIR, devIssuerUrls, loadOrCreateDevIssuer, type DevIssuer } from './issuer.js';
import { signingKeyFile } from './issuer-key.js';
import { runningHost } from './running-host.js';

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const USAGE_EXIT = 2;
/** The host cannot be found, or would refuse the token: nothing is printed on stdout. */
const NO_HOST_EXIT = 1;
/** How long to wait for the host to say which issuer it is. */
const HOST_TIMEOUT_MS = 3000;

/**
 * `npm run -s token -- <role> [userId]`: prints a dev-issuer token for a demo user, and nothing
 * else on stdout, so `TOKEN=$(npm run -s token -- caseworker)` works. Returns what to print
 * instead of printing, so tests can call it without a child process.
 *
 * It never prints a token the running host would refuse: it signs with the key in the data folder
 * (CASELOAD_DATA_DIR, default .data) for the host that runs on it (its origin is recorded there;
 * PORT overrides), and first asks that host for its issuer and signing keys. No key in the folder,
 * no host answering, or a host signing with another key: it says what to set, and signs nothing.
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): Promise<CliResult> {
  if (argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h')) {
    return { exitCode: 0, stdout: usage(), stderr: '' };
  }
  const selected = selectUser(argv);
  if (!selected.ok) return { exitCode: USAGE_EXIT, stdout: '', stderr: `${selected.error}\n\n${usage()}` };

  let settings;
  try {
    settings = resolveDevSettings(env, cwd);
  } catch (error) {
    if (error instanceof DevSettingsError) return { exitCode: USAGE_EXIT, stdout: '', stderr: `${error.message}\n` };
    throw error;
  }
  const { dataDir } = settings;
  if (!existsSync(signingKeyFile(join(dataDir, DEV_ISSUER_KEY_DIR)))) {
    return refuse(
      `No local host has run on the data folder ${dataDir} (it holds no dev issuer key). Start the host (npm start), ` +
        `or set ${DEV_SETTING.dataDir} to the data folder of the host you are running.`,
    );
  }
  // PORT, when set, names the host; otherwise the host recorded on this data folder, else the default port.
  const portGiven = Boolean(env[DEV_SETTING.port]?.trim());
  const recorded = runningHost(dataDir);
  const origin = portGiven || !recorded ? settings.baseUrl : recorded.origin;
  const issuer = await loadOrCreateDevIssuer({ dataDir, baseUrl: origin });
  const mismatch = await hostRefusal(issuer, origin, dataDir, portGiven ? recorded : undefined);
  if (mismatch) return refuse(mismatch);

  const { id, name, role } = selected.user;
  const token = await issuer.signToken({ id, name, roles: [role] });
  return { exitCode: 0, stdout: `${token}\n`, stderr: '' };
}

const refuse = (message: string): CliResult => ({ exitCode: NO_HOST_EXIT, stdout: '', stderr: `${message}\n` });

/**
 * Why the host at `origin` would refuse a token from this issuer, or undefined when it would take
 * it: it answers, its issuer is this one, and it publishes this key. `recorded`: a host found on
 * the data folder at another origin, named in the message when PORT points elsewhere.
 */
async function hostRefusal(issuer: DevIssuer, origin: string, dataDir: string, recorded: { origin: string } | undefined): Promise<string | undefined> {
  const { openidConfigurationUri } = devIssuerUrls(origin);
  const elsewhere = recorded && recorded.origin !== origin ? ` The host running on ${dataDir} is at ${recorded.origin}: unset ${DEV_SETTING.port}, or set it to that port.` : '';
  let configuration: { issuer?: unknown; jwks_uri?: unknown };
  let keys: { keys?: { kid?: unknown }[] };
  try {
    configuration = await getJson(openidConfigurationUri);
    keys = await getJson(String(configuration.jwks_uri));
  } catch {
    return (
      `No local host answers at ${origin}. Start it (npm start), or set ${DEV_SETTING.port} to the port it listens on ` +
      `(and ${DEV_SETTING.dataDir} to its data folder).${elsewhere}`
    );
  }
  if (configuration.issuer !== issuer.issuer) {
    return `The host at ${origin} names its issuer ${String(configuration.issuer)}, not ${issuer.issuer}: set ${DEV_SETTING.port} to the port of the host you mean.${elsewhere}`;
  }
  const kid = issuer.jwks.keys[0]?.kid;
  if (!keys.keys?.some((key) => key.kid === kid)) {
    return (
      `The host at ${origin} signs with another key than the one in ${dataDir}: it runs on another data folder. ` +
      `Set ${DEV_SETTING.dataDir} to the data folder it was started with (its start-up log prints it).`
    );
  }
  return undefined;
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url, { signal: AbortSignal.timeout(HOST_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return (await response.json()) as T;
}

type Selection = { ok: true; user: DemoUser } | { ok: false; error: string };

/** Validates `<role> [userId]` against the demo users. Pure. */
export function selectUser(argv: readonly string[]): Selection {
  const [roleArg, userId, ...extra] = argv;
  if (roleArg === undefined || extra.length > 0) {
    return { ok: false, error: 'Expected a role and optionally a user id.' };
  }
  const parsedRole = roleSchema.safeParse(roleArg);
  if (!parsedRole.success) return { ok: false, error: `Unknown role "${roleArg}".` };
  const role: Role = parsedRole.data;
  if (userId === undefined) return { ok: true, user: defaultDemoUser(role) };

  const user = DEMO_USERS.find((candidate) => candidate.id === userId);
  if (user === undefined) return { ok: false, error: `"${userId}" is not a demo user id.` };
  if (user.role !== role) {
    return { ok: false, error: `${user.id} (${user.name}) has role ${user.role}, not ${role}.` };
  }
  return { ok: true, user };
}

function usage(): string {
  const width = Math.max(...ROLES.map((role) => role.length));
  const users = DEMO_USERS.map((user) => `  ${user.role.padEnd(width)}  ${user.id}  ${user.name}`);
  return [
    'Usage: npm run -s token -- <role> [userId]',
    '',
    'Prints a bearer token for a demo user, signed by the local dev issuer of the running host',
    `(the one on ${DEV_SETTING.dataDir}, default .data; ${DEV_SETTING.port} picks another host). Without userId, the first demo user of the role is used.`,
    '',
    `Roles: ${ROLES.join(', ')}`,
    'Demo users:',
    ...users,
    '',
  ].join('\n');
}
