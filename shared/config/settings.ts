import { z } from 'zod';
import { NOTIFICATION_KINDS, type NotificationKind } from '../schemas/notification.js';
import { ATTACHMENTS_STORAGE_CONNECTION, SERVICE_BUS_CONNECTION } from './entities.js';

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
  /**
   * Keys of the MAC on list cursors, comma-separated, current first: the first signs, every one
   * verifies (rotation, docs/deploy.md). In Azure a Key Vault reference; locally the local host
   * derives one.
   */
  cursorKeys: 'CURSOR_KEYS',
  /** NCrontab of notifications-digest, the managers' daily digest of newly overdue tasks. */
  overdueDigestSchedule: 'OVERDUE_DIGEST_SCHEDULE',
  /** GOV.UK Notify API base URL (the client's default is the production API). */
  notifyBaseUrl: 'NOTIFY_BASE_URL',
  /** Key Vault holding third-party secrets (the Notify API key), e.g. https://<vault>.vault.azure.net/. */
  keyVaultUri: 'KEY_VAULT_URI',
  /** Name of the Key Vault secret holding the Notify API key (the value never is a setting). */
  notifyApiKeySecretName: 'NOTIFY_API_KEY_SECRET_NAME',
  /** Notify email template ids, one per kind of notification (docs/notifications.md). */
  notifyTemplateTaskAssigned: 'NOTIFY_TEMPLATE_TASK_ASSIGNED',
  notifyTemplateTaskReassigned: 'NOTIFY_TEMPLATE_TASK_REASSIGNED',
  notifyTemplateTaskCancelled: 'NOTIFY_TEMPLATE_TASK_CANCELLED',
  notifyTemplateOverdueDigest: 'NOTIFY_TEMPLATE_OVERDUE_DIGEST',
  notifyTemplateBulkReassignment: 'NOTIFY_TEMPLATE_BULK_REASSIGNMENT',
  /** Where a task is opened in the caseworker UI: an email's link is `<this>/<task id>`. */
  taskLinkBaseUrl: 'TASK_LINK_BASE_URL',
  countersReconcileSchedule: 'COUNTERS_RECONCILE_SCHEDULE',
  /**
   * The issuer's OAuth 2.0 authorization and token endpoints, where a browser signs in (the docs
   * page's "Authorize"): Entra ID's v2.0 endpoints in Azure, the dev issuer's locally. The served
   * OpenAPI document names them. Both or neither.
   */
  authAuthorizationUrl: 'AUTH_AUTHORIZATION_URL',
  authTokenUrl: 'AUTH_TOKEN_URL',
  /** Client id the docs page signs in with (an Entra app registration with a SPA redirect URI); unset: no sign-in offered. */
  docsClientId: 'DOCS_OAUTH_CLIENT_ID',
  /**
   * The attachments' Blob service (`https://<account>.blob.core.windows.net`; locally Azurite's
   * `http://127.0.0.1:<port>/devstoreaccount1`), a storage account of its own (docs/attachments.md).
   * Unset: the attachment routes answer 503.
   */
  attachmentsBlobServiceUri: `${ATTACHMENTS_STORAGE_CONNECTION}__blobServiceUri`,
  /** Azurite's account key, local only. Absent in Azure: SAS URLs are signed with a user delegation key (managed identity). */
  attachmentsAccountKey: `${ATTACHMENTS_STORAGE_CONNECTION}__accountKey`,
  /** How long an upload URL (SAS) is valid, in seconds. */
  attachmentUploadUrlSeconds: 'ATTACHMENT_UPLOAD_URL_SECONDS',
  /** How long a download URL (SAS) is valid, in seconds. */
  attachmentDownloadUrlSeconds: 'ATTACHMENT_DOWNLOAD_URL_SECONDS',
  /** `off`, or `defender`: files are offered only once Microsoft Defender for Storage has tagged them clean. */
  attachmentsMalwareScanning: 'ATTACHMENTS_MALWARE_SCANNING',
  /** NCrontab of notes-attachments-sweep: unfinished uploads, scan results, note writes a crash left behind. */
  notesAttachmentsSweepSchedule: 'NOTES_ATTACHMENTS_SWEEP_SCHEDULE',
  /**
   * Client id the operations console (/api/console) signs in with: an Entra app registration for a
   * single-page application (public client, redirect URI https://<gateway>/api/console) allowed to
   * ask for the API's scope. Unset: the console says sign-in is not configured. Locally any value.
   */
  consoleClientId: 'CONSOLE_CLIENT_ID',
} as const;

const TEMPLATE_SETTINGS: Readonly<Record<NotificationKind, string>> = {
  taskAssigned: SETTING.notifyTemplateTaskAssigned,
  taskReassigned: SETTING.notifyTemplateTaskReassigned,
  taskCancelled: SETTING.notifyTemplateTaskCancelled,
  overdueDigest: SETTING.notifyTemplateOverdueDigest,
  bulkReassignment: SETTING.notifyTemplateBulkReassignment,
};

/** The production GOV.UK Notify API. */
export const NOTIFY_PRODUCTION_URL = 'https://api.notifications.service.gov.uk';

/** Defaults for settings the Functions host resolves itself (timer schedules). */
export const SCHEDULE_DEFAULTS = {
  [SETTING.overdueScanSchedule]: '0 */5 * * * *',
  [SETTING.outboxRelaySchedule]: '*/30 * * * * *',
  // 07:00 UTC: before the working day in the UK, summer and winter.
  [SETTING.overdueDigestSchedule]: '0 0 7 * * *',
  /** Daily, at a quiet hour: the task counters against a full count (shared/use-cases/reconcile-counters.ts). */
  [SETTING.countersReconcileSchedule]: '0 30 3 * * *',
  /** Every minute: scan results reach a caller within about a minute of Defender tagging the blob. */
  [SETTING.notesAttachmentsSweepSchedule]: '0 * * * * *',
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

/** Each key: base64 or base64url of at least this many random bytes (`openssl rand -base64 32`). */
export const MIN_CURSOR_KEY_BYTES = 32;
/** Current key plus previous ones still accepted during a rotation. */
export const MAX_CURSOR_KEYS = 4;

/**
 * The platform leaves a Key Vault reference it could not resolve as the literal text: refused, or
 * that text would become the key. Messages never echo the value (it is a secret).
 */
const cursorKeysSchema = z
  .string({ message: 'is required: comma-separated keys, current first (docs/deploy.md)' })
  .trim()
  .refine((value) => !/^@Microsoft\.KeyVault\(/i.test(value), {
    message: 'is an unresolved Key Vault reference: the app could not read the secret (check the secret name and the identity\'s access to the vault)',
    abort: true,
  })
  .transform((value, context) => {
    const parts = value.split(',').map((part) => part.trim());
    const keys: Buffer[] = [];
    for (const [index, part] of parts.entries()) {
      const key = /^[A-Za-z0-9+/_-]+={0,2}$/.test(part) ? Buffer.from(part, 'base64') : undefined;
      if (!key || key.length < MIN_CURSOR_KEY_BYTES) {
        context.addIssue({ code: 'custom', message: `key ${index + 1} must be base64 of at least ${MIN_CURSOR_KEY_BYTES} random bytes` });
        return z.NEVER;
      }
      keys.push(key);
    }
    if (keys.length > MAX_CURSOR_KEYS) {
      context.addIssue({ code: 'custom', message: `at most ${MAX_CURSOR_KEYS} keys (the current one and those still accepted)` });
      return z.NEVER;
    }
    return keys;
  });

const optionalUrl = optionalString.pipe(z.url().optional());
/** Notify template ids are UUIDs. */
const optionalTemplateId = optionalString.pipe(z.uuid('must be a Notify template id (a UUID)').optional());

/** A lifetime in seconds, 1 s to 1 hour (a SAS should be short-lived; tests shorten it to see storage refuse it). */
const sasSecondsSchema = (fallback: number) =>
  z.coerce.number<string>().int('must be a whole number of seconds').min(1).max(3600).default(fallback);

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
  [SETTING.cursorKeys]: cursorKeysSchema,
  [SETTING.overdueDigestSchedule]: ncrontabSchema.default(SCHEDULE_DEFAULTS[SETTING.overdueDigestSchedule]),
  [SETTING.notifyBaseUrl]: optionalUrl,
  [SETTING.keyVaultUri]: optionalUrl,
  [SETTING.notifyApiKeySecretName]: optionalString,
  [SETTING.notifyTemplateTaskAssigned]: optionalTemplateId,
  [SETTING.notifyTemplateTaskReassigned]: optionalTemplateId,
  [SETTING.notifyTemplateTaskCancelled]: optionalTemplateId,
  [SETTING.notifyTemplateOverdueDigest]: optionalTemplateId,
  [SETTING.notifyTemplateBulkReassignment]: optionalTemplateId,
  [SETTING.taskLinkBaseUrl]: optionalUrl,
  [SETTING.countersReconcileSchedule]: ncrontabSchema.default(SCHEDULE_DEFAULTS[SETTING.countersReconcileSchedule]),
  [SETTING.authAuthorizationUrl]: optionalUrl,
  [SETTING.authTokenUrl]: optionalUrl,
  [SETTING.docsClientId]: optionalString,
  [SETTING.attachmentsBlobServiceUri]: optionalUrl,
  [SETTING.attachmentsAccountKey]: optionalString,
  [SETTING.attachmentUploadUrlSeconds]: sasSecondsSchema(600),
  [SETTING.attachmentDownloadUrlSeconds]: sasSecondsSchema(300),
  [SETTING.attachmentsMalwareScanning]: z.enum(['off', 'defender'], { message: 'must be off or defender' }).default('off'),
  [SETTING.notesAttachmentsSweepSchedule]: ncrontabSchema.default(SCHEDULE_DEFAULTS[SETTING.notesAttachmentsSweepSchedule]),
  [SETTING.consoleClientId]: optionalString,
});

export interface Settings {
  cosmos: { endpoint: string; key: string | undefined; database: string };
  auth: { issuer: string; audience: string; jwksUri: string };
  managedIdentityClientId: string | undefined;
  appInsightsConnectionString: string | undefined;
  appVersion: string | undefined;
  /** Where messages go; unset, a host must supply a messaging adapter (the local host's broker). */
  serviceBusNamespace: string | undefined;
  schedules: { overdueScan: string; outboxRelay: string; overdueDigest: string; countersReconcile: string; notesAttachmentsSweep: string };
  /** MAC keys for cursors: the first signs, all verify. */
  cursorKeys: readonly Buffer[];
  /** GOV.UK Notify; see NotifySettings. */
  notify: NotifySettings;
  /** The operations console's sign-in client id (CONSOLE_CLIENT_ID); undefined: sign-in not configured. */
  consoleClientId: string | undefined;
  /** Task attachments in Blob Storage; see AttachmentSettings. */
  attachments: AttachmentSettings;
  /** Browser sign-in; see SignInSettings. */
  signIn: SignInSettings;
}

/**
 * Where attachments live and how long the URLs handed to clients are valid. `accountKey` is only
 * ever set for Azurite: with it SAS URLs are signed with the account key, without it with a user
 * delegation key obtained with the managed identity (the one branch that differs, services.ts).
 */
export interface AttachmentSettings {
  blobServiceUri: string | undefined;
  accountKey: string | undefined;
  uploadUrlSeconds: number;
  downloadUrlSeconds: number;
  malwareScanning: 'off' | 'defender';
}

/** Where a browser signs in to call the API (the docs page), when the deployment offers it. */
export interface SignInSettings {
  /** The issuer's authorization and token endpoints, or undefined when not set. */
  endpoints: { authorizationUrl: string; tokenUrl: string } | undefined;
  /** The docs page's client id, or undefined: the page then offers no sign-in of its own. */
  docsClientId: string | undefined;
}

/**
 * Emails through GOV.UK Notify. The templates and the task link are all set or all unset (unset:
 * notifications are off, and the notifications consumer fails its messages until they are set).
 * The API key is never a setting: in Azure it is read from Key Vault (keyVaultUri, apiKeySecretName).
 */
export interface NotifySettings {
  baseUrl: string;
  keyVaultUri: string | undefined;
  apiKeySecretName: string | undefined;
  /** Template id per kind, or undefined when notifications are not configured. */
  templates: Readonly<Record<NotificationKind, string>> | undefined;
  taskLinkBaseUrl: string | undefined;
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
      overdueDigest: s[SETTING.overdueDigestSchedule],
      countersReconcile: s[SETTING.countersReconcileSchedule],
      notesAttachmentsSweep: s[SETTING.notesAttachmentsSweepSchedule],
    },
    cursorKeys: s[SETTING.cursorKeys],
    notify: notifySettings(s),
    consoleClientId: s[SETTING.consoleClientId],
    attachments: {
      blobServiceUri: s[SETTING.attachmentsBlobServiceUri],
      accountKey: s[SETTING.attachmentsAccountKey],
      uploadUrlSeconds: s[SETTING.attachmentUploadUrlSeconds],
      downloadUrlSeconds: s[SETTING.attachmentDownloadUrlSeconds],
      malwareScanning: s[SETTING.attachmentsMalwareScanning],
    },
    signIn: signInSettings(s),
  };
}

/** The two endpoints come together: one without the other is a mistake worth failing at start for. */
function signInSettings(s: z.infer<typeof settingsSchema>): SignInSettings {
  const authorizationUrl = s[SETTING.authAuthorizationUrl];
  const tokenUrl = s[SETTING.authTokenUrl];
  if ((authorizationUrl === undefined) !== (tokenUrl === undefined)) {
    throw new SettingsError(`Invalid app settings: set both ${SETTING.authAuthorizationUrl} and ${SETTING.authTokenUrl}, or neither`);
  }
  return { endpoints: authorizationUrl && tokenUrl ? { authorizationUrl, tokenUrl } : undefined, docsClientId: s[SETTING.docsClientId] };
}

/** Templates and the task link come together: some without the others is a mistake worth failing at start for. */
function notifySettings(s: z.infer<typeof settingsSchema>): NotifySettings {
  const values = Object.fromEntries(NOTIFICATION_KINDS.map((kind) => [kind, s[TEMPLATE_SETTINGS[kind] as keyof typeof s] as string | undefined]));
  const required = [...NOTIFICATION_KINDS.map((kind) => [TEMPLATE_SETTINGS[kind], values[kind]] as const), [SETTING.taskLinkBaseUrl, s[SETTING.taskLinkBaseUrl]] as const];
  const missing = required.filter(([, value]) => value === undefined).map(([name]) => name);
  if (missing.length > 0 && missing.length < required.length) {
    throw new SettingsError(`Invalid app settings: the Notify settings are set only in part; also set ${missing.join(', ')}`);
  }
  return {
    baseUrl: s[SETTING.notifyBaseUrl] ?? NOTIFY_PRODUCTION_URL,
    keyVaultUri: s[SETTING.keyVaultUri],
    apiKeySecretName: s[SETTING.notifyApiKeySecretName],
    templates: missing.length === 0 ? (values as Record<NotificationKind, string>) : undefined,
    taskLinkBaseUrl: s[SETTING.taskLinkBaseUrl],
  };
}

let cached: Settings | undefined;

/** Settings of this process, parsed on first use. */
export function loadSettings(): Settings {
  cached ??= parseSettings(process.env);
  return cached;
}
