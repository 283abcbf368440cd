import type { Database } from '@azure/cosmos';
import { CONTAINER_DEFINITIONS } from '../shared/store/container-definitions.js';

/**
 * Creates the database and containers the app expects, with the same definitions Bicep
 * provisions in Azure. Only for local databases: in Azure the app's identity has data-plane
 * rights only and the containers come from the templates.
 */
export async function ensureLocalDatabase(database: Database): Promise<void> {
  await database.client.databases.createIfNotExists({ id: database.id });
  for (const definition of CONTAINER_DEFINITIONS) {
    await database.containers.createIfNotExists(definition);
  }
}
