import { CosmosClient, type Database } from '@azure/cosmos';
import { managedIdentityCredential } from '../config/azure-credential.js';
import type { Settings } from '../config/settings.js';

/**
 * One CosmosClient per process (it pools connections and caches routing). In Azure it
 * authenticates with the function app's managed identity through Cosmos data-plane RBAC: the
 * account has local (key) auth disabled. A key is only ever set for the local embedded database.
 */
export function createCosmosDatabase(settings: Settings): Database {
  const { endpoint, key, database } = settings.cosmos;
  const local = endpoint.startsWith('http://');
  const client = new CosmosClient({
    endpoint,
    ...(key
      ? { key }
      : { aadCredentials: managedIdentityCredential(settings.managedIdentityClientId) }),
    // The embedded database is a single plain-HTTP endpoint with no regions to discover.
    connectionPolicy: { enableEndpointDiscovery: !local },
    userAgentSuffix: 'caseload',
  });
  return client.database(database);
}
