import type { Database } from '@azure/cosmos';
import { DirectoryCache, type DirectoryCacheOptions } from './auth/directory-cache.js';
import { cachingTokenVerifier, type TokenCacheOptions } from './auth/token-cache.js';
import { createTokenVerifier, type TokenVerifier } from './auth/verify-token.js';
import { managedIdentityCredential } from './config/azure-credential.js';
import { keyVaultSecret, missingSecret, type SecretSource } from './config/secret-source.js';
import { SETTING, loadSettings, type Settings } from './config/settings.js';
import { deferredMessaging } from './messaging/deferred-messaging.js';
import { tracedMessaging } from './messaging/traced-messaging.js';
import type { Messaging } from './messaging/messaging.js';
import { notifyGateway } from './notifications/notify-gateway.js';
import type { NotifyPort } from './notifications/notify-port.js';
import { AuditRepository } from './store/audit-repository.js';
import { createCosmosDatabase } from './store/cosmos-client.js';
import { CounterRepository } from './store/counter-repository.js';
import { CursorCodec } from './store/cursor.js';
import { IdempotencyRepository } from './store/idempotency-repository.js';
import { NoteRepository } from './store/note-repository.js';
import { NotificationRepository } from './store/notification-repository.js';
import { OperationRepository } from './store/operation-repository.js';
import { ReferenceRepository } from './store/reference-repository.js';
import { TaskRepository } from './store/task-repository.js';
import { UserRepository } from './store/user-repository.js';
import { startTelemetry } from './telemetry/app-insights.js';
import { recordMetric } from './telemetry/metrics.js';
import { deferredAttachmentStorage, unconfiguredAttachmentStorage, type AttachmentStorage } from './storage/attachment-storage.js';
import { ATTACHMENTS_CONTAINER } from './config/entities.js';

/**
 * The composition root: every client and repository the app uses, built once per process (a
 * Functions worker serves many invocations; clients and JWKS caches are meant to be reused across
 * them). Nothing else constructs them. Use cases receive the part they use (a `Pick<Services, …>`),
 * handed over by the two entry points: the HTTP pipeline (shared/http/endpoint.ts) and the
 * consumer registration for Service Bus and timer triggers (shared/consumers/register-consumer.ts).
 */
export interface Services {
  settings: Settings;
  database: Database;
  /** Signs and checks list cursors with the CURSOR_KEYS keys. */
  cursors: CursorCodec;
  tasks: TaskRepository;
  audit: AuditRepository;
  users: UserRepository;
  reference: ReferenceRepository;
  operations: OperationRepository;
  /** Idempotency-Key records (shared/http/idempotency.ts). */
  idempotency: IdempotencyRepository;
  /** The notification ledger. */
  notifications: NotificationRepository;
  /** Maintained task counts (stats, overdue backlog), kept up to date from the task events. */
  counters: CounterRepository;
  /** Task notes (docs/attachments.md). */
  notes: NoteRepository;
  /** Attachment bytes in Blob Storage: signed upload and download URLs, checks, housekeeping. */
  attachmentStorage: AttachmentStorage;
  /** The callers' directory entries for authentication, cached for a short time (shared/auth/directory-cache.ts). */
  directory: DirectoryCache;
  messaging: Messaging;
  /** GOV.UK Notify, with the API key read from its source and cached. */
  notify: NotifyPort;
  /** Where the Notify API key comes from (Key Vault in Azure): readiness checks it can be read. */
  notifyApiKey: SecretSource;
  /** Verifies bearer tokens; tokens that verified are remembered until their `exp` (shared/auth/token-cache.ts). */
  tokenVerifier: TokenVerifier;
  now: () => Date;
}

/** Sizes, lifetimes and clock of the in-process caches; tests shrink them or drive the clock. */
export interface CacheOptions {
  tokens?: Omit<TokenCacheOptions, 'clock'>;
  directory?: Omit<DirectoryCacheOptions, 'clock'>;
  /** Milliseconds since the epoch, for both caches (default Date.now, the clock the token checks use). */
  clock?: () => number;
}

/**
 * What a host or a test may supply instead of what the settings describe (e.g. the local broker).
 * `notifyApiKey`: where the Notify API key comes from instead of Key Vault (the local host's dev key).
 */
export type ServiceOverrides = Partial<Pick<Services, 'database' | 'messaging' | 'tokenVerifier' | 'now' | 'notify' | 'attachmentStorage'>> & {
  notifyApiKey?: SecretSource;
  caches?: CacheOptions;
};

export function createServices(settings: Settings, overrides: ServiceOverrides = {}): Services {
  const database = overrides.database ?? createCosmosDatabase(settings);
  const cursors = new CursorCodec(settings.cursorKeys);
  const users = new UserRepository(database, cursors);
  const caches = overrides.caches ?? {};
  const clock = caches.clock ?? Date.now;
  const notifyApiKey = overrides.notifyApiKey ?? notifyApiKeySource(settings);
  return {
    settings,
    database,
    cursors,
    tasks: new TaskRepository(database, cursors),
    audit: new AuditRepository(database, cursors),
    users,
    reference: new ReferenceRepository(database),
    operations: new OperationRepository(database),
    idempotency: new IdempotencyRepository(database),
    notifications: new NotificationRepository(database),
    counters: new CounterRepository(database),
    notes: new NoteRepository(database, cursors),
    attachmentStorage: overrides.attachmentStorage ?? createAttachmentStorage(settings),
    directory: new DirectoryCache(users, { ...caches.directory, clock }),
    // Every send traced, whichever adapter: each message carries its send span (Diagnostic-Id).
    messaging: tracedMessaging(overrides.messaging ?? createMessaging(settings)),
    notify: overrides.notify ?? notifyGateway({ baseUrl: settings.notify.baseUrl, apiKey: notifyApiKey }),
    notifyApiKey,
    tokenVerifier: cachingTokenVerifier(overrides.tokenVerifier ?? createTokenVerifier(settings.auth), {
      ...caches.tokens,
      clock,
      onLookup: (hit) => recordMetric('auth.tokenCache', 1, { result: hit ? 'hit' : 'miss' }),
    }),
    now: overrides.now ?? (() => new Date()),
  };
}

function createMessaging(settings: Settings): Messaging {
  const namespace = settings.serviceBusNamespace;
  if (!namespace) return unconfiguredMessaging;
  return deferredMessaging(async () => {
    const { ServiceBusMessaging } = await import('./messaging/service-bus-messaging.js');
    return new ServiceBusMessaging(namespace, managedIdentityCredential(settings.managedIdentityClientId));
  });
}

/**
 * Attachment storage, its SDK loaded on first use. The one branch: an account key is only ever
 * set for Azurite (the local host); in Azure the URLs are signed with a user delegation key that
 * the managed identity obtains, and the account accepts no key at all.
 */
function createAttachmentStorage(settings: Settings): AttachmentStorage {
  const { blobServiceUri, accountKey } = settings.attachments;
  if (!blobServiceUri) return unconfiguredAttachmentStorage(SETTING.attachmentsBlobServiceUri);
  return deferredAttachmentStorage(async () => {
    const { createBlobAttachmentStorage } = await import('./storage/blob-attachment-storage.js');
    return createBlobAttachmentStorage({
      blobServiceUri,
      container: ATTACHMENTS_CONTAINER,
      auth: accountKey ? { accountKey } : { credential: managedIdentityCredential(settings.managedIdentityClientId) },
    });
  });
}

/** In Azure the Notify API key is a Key Vault secret, read with the managed identity. */
function notifyApiKeySource(settings: Settings): SecretSource {
  const { keyVaultUri, apiKeySecretName } = settings.notify;
  if (!keyVaultUri || !apiKeySecretName) return missingSecret(`The Notify API key (set ${SETTING.keyVaultUri} and ${SETTING.notifyApiKeySecretName})`);
  return keyVaultSecret(keyVaultUri, apiKeySecretName, managedIdentityCredential(settings.managedIdentityClientId));
}

/** Without a namespace, every send fails: writes still succeed and their events wait in the outbox. */
const unconfiguredMessaging: Messaging = {
  async send() {
    throw new Error(`Service Bus is not configured: set ${SETTING.serviceBusNamespace}.`);
  },
  async peekDeadLetters() {
    throw new Error(`Service Bus is not configured: set ${SETTING.serviceBusNamespace}.`);
  },
  async replayDeadLetters() {
    throw new Error(`Service Bus is not configured: set ${SETTING.serviceBusNamespace}.`);
  },
  async checkHealth() {
    throw new Error('not configured');
  },
  async entityCounts() {
    throw new Error(`Service Bus is not configured: set ${SETTING.serviceBusNamespace}.`);
  },
  async close() {},
};

let processOverrides: ServiceOverrides = {};
let processServices: Services | undefined;

/**
 * Sets what this process's services are built with. Called by a host before the first invocation
 * (the local host injects its broker this way; in Azure nothing calls it). The deployment package
 * exports it for that purpose.
 */
export function configureServices(overrides: ServiceOverrides): void {
  if (processServices) throw new Error('configureServices() must run before the first invocation: the services are already built.');
  processOverrides = overrides;
}

/**
 * This process's services, built on first use from the app settings and the configured overrides.
 * Only the entry points call it; everything below them is handed what it uses.
 */
export function servicesForProcess(): Services {
  if (!processServices) {
    const settings = loadSettings();
    startTelemetry(settings.appInsightsConnectionString);
    processServices = createServices(settings, processOverrides);
  }
  return processServices;
}
