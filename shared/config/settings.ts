import { z } from 'zod';
import { SERVICE_BUS_CONNECTION } from './entities.js';

/**
 * Every app setting the code reads, with its name written once. Read and validated once per
 * process (`loadSettings`), so a typo or a missing value fails at start-up with the setting's
 * name, not as an undefined deep inside a request.
 *
 * Names follow the Functions identity-based connection convention (`<Connection>__<property>`)
 * so the same names work under Core Tools, the local host and Azure.
 */
export const SETTING = {
  cosmosEndpoint: 'CosmosDb__accountEndpoint',
  /** Local embedded database / emulator only. Absent in Azure, where managed identity is used. */
  cosmosKey: 'CosmosDb__accountKey',
  cosmosDatabase: 'COSMOS_DATABASE',
  authIssuer: 'AUTH_ISSUER',
  authAudience: 'AUTH_AUDIENCE',
  authJwksUri: 'AUTH_JWKS_URI',
  /** Client id of the user-assigned managed identity used by DefaultAzureCredential in Azure. */
  managedIdentityClientId: 'AZURE_CLIENT_ID',
  appInsightsConnectionString: 'APPLICATIONINSIGHTS_CONNECTION_STRING',
  appVersion: 'APP_VERSION',
  /** Service Bus namespace host name; the trigger bindings use the same identity-based connection. */
  serviceBusNamespace: `${SERVICE_BUS_CONNECTION}__fullyQualifiedNamespace`,
  /** NCrontab schedules, resolved by the Functions host from `%NAME%` in the timer registrations. */
  overdueScanSchedule: 'OVERDUE_SCAN_SCHEDULE',
  outboxRelaySchedule: 'OUTBOX_RELAY_SCHEDULE',
  countersReconcileSchedule: 'COUNTERS_RECONCILE_SCHEDULE',
} as const;

/** Defaults for settings the Functions host resolves itself (timer schedules). */
export const SCHEDULE_DEFAULTS = {
  [SETTING.overdueScanSchedule]: '0 */5 * * * *',
  [SETTING.outboxRelaySchedule]: '*/30 * * * * *',
  /** Daily, at a quiet hour: the task counters against a full count (shared/use-cases/reconcile-counters.ts). */
  [SETTING.countersReconcileSchedule]: '0 30 3 * * *',
} as const;

/** A six-field NCrontab expression (seconds first), as Azure timer triggers take. */
const ncrontabSchema = z
  .string()
  .trim()
  .regex(/^(\S+\s+){5}\S+$/, 'must be a six-field NCrontab expression, e.g. 0 */5 * * * *');

const optionalString = z
  .string()
  .trim()
  .transform((value) => (value === '' ? undefined : value))
  .optional();

const settingsSchema = z.object({
  [SETTING.cosmosEndpoint]: z.url(),
  [SETTING.cosmosKey]: optionalString,
  [SETTING.cosmosDatabase]: z.string().trim().min(1).default('caseload'),
  [SETTING.authIssuer]: z.url(),
  [SETTING.authAudience]: z.string().trim().min(1),
  [SETTING.authJwksUri]: z.url(),
  [SETTING.managedIdentityClientId]: optionalString,
  [SETTING.appInsightsConnectionString]: optionalString,
  [SETTING.appVersion]: optionalString,
  [SETTING.serviceBusNamespace]: optionalString,
  [SETTING.overdueScanSchedule]: ncrontabSchema.default(SCHEDULE_DEFAULTS[SETTING.overdueScanSchedule]),
  [SETTING.outboxRelaySchedule]: ncrontabSchema.default(SCHEDULE_DEFAULTS[SETTING.outboxRelaySchedule]),
  [SETTING.countersReconcileSchedule]: ncrontabSchema.default(SCHEDULE_DEFAULTS[SETTING.countersReconcileSchedule]),
});

export interface Settings {
  cosmos: { endpoint: string; key: string | undefined; database: string };
  auth: { issuer: string; audience: string; jwksUri: string };
  managedIdentityClientId: string | undefined;
  appInsightsConnectionString: string | undefined;
  appVersion: string | undefined;
  /** Where messages go; unset, a host must supply a messaging adapter (the local host's broker). */
  serviceBusNamespace: string | undefined;
  schedules: { overdueScan: string; outboxRelay: string; countersReconcile: string };
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** Validates the environment; throws a SettingsError naming every bad or missing setting. */
export function parseSettings(env: NodeJS.ProcessEnv): Settings {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new SettingsError(`Invalid app settings: ${problems.join('; ')}`);
  }
  const s = parsed.data;
  return {
    cosmos: { endpoint: s[SETTING.cosmosEndpoint], key: s[SETTING.cosmosKey], database: s[SETTING.cosmosDatabase] },
    auth: { issuer: s[SETTING.authIssuer], audience: s[SETTING.authAudience], jwksUri: s[SETTING.authJwksUri] },
    managedIdentityClientId: s[SETTING.managedIdentityClientId],
    appInsightsConnectionString: s[SETTING.appInsightsConnectionString],
    appVersion: s[SETTING.appVersion],
    serviceBusNamespace: s[SETTING.serviceBusNamespace],
    schedules: {
      overdueScan: s[SETTING.overdueScanSchedule],
      outboxRelay: s[SETTING.outboxRelaySchedule],
      countersReconcile: s[SETTING.countersReconcileSchedule],
    },
  };
}

let cached: Settings | undefined;

/** Settings of this process, parsed on first use. */
export function loadSettings(): Settings {
  cached ??= parseSettings(process.env);
  return cached;
}
