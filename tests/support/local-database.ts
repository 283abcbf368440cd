import { CosmosClient, type Database } from '@azure/cosmos';
import { COSMOS_DATABASE_DEFAULT } from '../../shared/config/entities.js';

/** The local host's app database, reached directly (the host started with CASELOAD_COSMOS_PORT): to break it on purpose. */
export function localDatabase(cosmosPort: number): Database {
  return new CosmosClient({ endpoint: `http://127.0.0.1:${cosmosPort}`, key: 'Y2FzZWxvYWQ=', connectionPolicy: { enableEndpointDiscovery: false } }).database(COSMOS_DATABASE_DEFAULT);
}
