import { ROLES, roleSchema, type Role } from '../shared/auth/roles.js';
import { DEMO_USERS, defaultDemoUser, type DemoUser } from './demo-users.js';
import { DevSettingsError, resolveDevSettings } from './dev-settings.js';
import { loadOrCreateDevIssuer } from './issuer.js';

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const USAGE_EXIT = 2;

/**
 * `npm run -s token -- <role> [userId]`: prints a dev-issuer token for a demo user, and nothing
 * else on stdout, so `TOKEN=$(npm run -s token -- caseworker)` works. Returns what to print
 * instead of printing, so tests can call it without a child process.
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
  // The host's own function and settings: same key file and same issuer URL as `npm start`,
  // and the key is created here if the host has never run.
  const issuer = await loadOrCreateDevIssuer({ dataDir: settings.dataDir, baseUrl: settings.baseUrl });
  const { id, name, role } = selected.user;
  const token = await issuer.signToken({ id, name, roles: [role] });
  return { exitCode: 0, stdout: `${token}\n`, stderr: '' };
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
    'Prints a bearer token for a demo user, signed by the local dev issuer.',
    'Without userId, the first demo user of the role is used.',
    '',
    `Roles: ${ROLES.join(', ')}`,
    'Demo users:',
    ...users,
    '',
  ].join('\n');
}
