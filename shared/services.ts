import type { Database } from '@azure/cosmos';
import { createTokenVerifier, type TokenVerifier } from './auth/verify-token.js';
import { managedIdentityCredential } from './config/azure-credential.js';
import { SETTING, loadSettings, type Settings } from './config/settings.js';
import { deferredMessaging } from './messaging/deferred-messaging.js';
import { LocalBrokerMessaging } from './messaging/local-broker-messaging.js';
import type { Messaging } from './messaging/messaging.js';
import { AuditRepository } from './store/audit-repository.js';
import { createCosmosDatabase } from './store/cosmos-client.js';
import { OperationRepository } from './store/operation-repository.js';
import { ReferenceRepository } from './store/reference-repository.js';
import { TaskRepository } from './store/task-repository.js';
import { UserRepository } from './store/user-repository.js';
import { startTelemetry } from './telemetry/app-insights.js';

/**
 * The process-wide dependencies, built once on first use (a Functions worker serves many
 * invocations; clients and JWKS caches are meant to be reused across them).
 */
export interface Services {
  settings: Settings;
  database: Database;
  tasks: TaskRepository;
  audit: AuditRepository;
  users: UserRepository;
  reference: ReferenceRepository;
  operations: OperationRepository;
  messaging: Messaging;
  tokenVerifier: TokenVerifier;
  now: () => Date;
}

let services: Services | undefined;

function createMessaging(settings: Settings): Messaging {
  const target = settings.serviceBus;
  const namespace = target?.namespace;
  if (namespace) {
    return deferredMessaging(async () => {
      const { ServiceBusMessaging } = await import('./messaging/service-bus-messaging.js');
      return new ServiceBusMessaging(namespace, managedIdentityCredential(settings.managedIdentityClientId));
    });
  }
  if (target?.localUrl) return new LocalBrokerMessaging(target.localUrl);
  return unconfiguredMessaging;
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
  async close() {},
};

export function getServices(): Services {
  if (!services) {
    const settings = loadSettings();
    startTelemetry(settings.appInsightsConnectionString);
    const database = createCosmosDatabase(settings);
    services = {
      settings,
      database,
      tasks: new TaskRepository(database),
      audit: new AuditRepository(database),
      users: new UserRepository(database),
      reference: new ReferenceRepository(database),
      operations: new OperationRepository(database),
      messaging: createMessaging(settings),
      tokenVerifier: createTokenVerifier(settings.auth),
      now: () => new Date(),
    };
  }
  return services;
}
