import type { Database } from '@azure/cosmos';
import { createTokenVerifier, type TokenVerifier } from './auth/verify-token.js';
import { loadSettings, type Settings } from './config/settings.js';
import { createCosmosDatabase } from './store/cosmos-client.js';
import { TaskRepository } from './store/task-repository.js';

/**
 * The process-wide dependencies, built once on first use (a Functions worker serves many
 * invocations; clients and JWKS caches are meant to be reused across them).
 */
export interface Services {
  settings: Settings;
  database: Database;
  tasks: TaskRepository;
  tokenVerifier: TokenVerifier;
  now: () => Date;
}

let services: Services | undefined;

export function getServices(): Services {
  if (!services) {
    const settings = loadSettings();
    const database = createCosmosDatabase(settings);
    services = {
      settings,
      database,
      tasks: new TaskRepository(database),
      tokenVerifier: createTokenVerifier(settings.auth),
      now: () => new Date(),
    };
  }
  return services;
}
