import type { Database } from '@azure/cosmos';
import { CONTAINER_DEFINITIONS } from '../shared/store/container-definitions.js';

/**
 * Creates the database and containers the app expects, with the same definitions Bicep
 * provisions in Azure, and replaces an existing local container's definition when its composite
 * indexes differ (what ORDER BY depends on; the server normalises the rest of the policy, so a
 * full comparison would always differ). Replacing keeps the documents. Only for local databases: in Azure the
 * app's identity has data-plane rights only and the containers come from the templates.
 */
export async function ensureLocalDatabase(database: Database): Promise<void> {
  await database.client.databases.createIfNotExists({ id: database.id });
  for (const definition of CONTAINER_DEFINITIONS) {
    const { resource } = await database.containers.createIfNotExists(definition);
    if (resource && JSON.stringify(resource.indexingPolicy?.compositeIndexes ?? []) !== JSON.stringify(definition.indexingPolicy?.compositeIndexes ?? [])) {
      await database.container(definition.id!).replace({ ...definition, id: definition.id! });
    }
  }
}
