/**
 * `npm run services`: only the local stand-ins for Azure services (the embedded Cosmos database,
 * Azurite's Blob service and the dev token issuer), for running the functions under Azure Functions
 * Core Tools (`func start`) instead of the built-in local host. Prints the values for
 * local.settings.json. Azurite listens on its usual port 10000 (CASELOAD_AZURITE_PORT to change it),
 * which is what `AzureWebJobsStorage=UseDevelopmentStorage=true` points the Functions host at (its
 * timer locks and keys are blobs), and it holds the attachments.
 *
 * The issuer listens on PORT (default 7071 is taken by `func start`, so use e.g. PORT=7072), and
 * tokens come from `PORT=7072 npm run -s token -- <role>` so their issuer matches.
 */
import { createServer } from 'node:http';
import { join } from 'node:path';
import { SETTING, parseSettings } from '../shared/config/settings.js';
import { createCosmosDatabase } from '../shared/store/cosmos-client.js';
import { startAzurite } from './azurite/index.js';
import { startEmbeddedCosmos } from './cosmos/index.js';
import { seedDemoData } from './demo-data.js';
import { devCursorKeys } from './dev-secrets.js';
import { DEFAULT_AZURITE_BLOB_PORT, resolveDevSettings } from './dev-settings.js';
import { devIssuerRoutes, loadOrCreateDevIssuer } from './issuer.js';
import { ensureLocalDatabase } from './local-database.js';

async function main(): Promise<void> {
  const dev = resolveDevSettings();
  const cosmos = await startEmbeddedCosmos({ dataDir: join(dev.dataDir, 'cosmos'), port: dev.cosmosPort });
  const issuer = await loadOrCreateDevIssuer({ dataDir: dev.dataDir, baseUrl: dev.baseUrl });
  const azurite = await startAzurite({ dataDir: dev.dataDir, port: dev.azuritePort ?? DEFAULT_AZURITE_BLOB_PORT });
  const values = {
    [SETTING.cosmosEndpoint]: cosmos.endpoint,
    [SETTING.cosmosKey]: cosmos.key,
    [SETTING.authIssuer]: issuer.issuer,
    [SETTING.authAudience]: issuer.audience,
    [SETTING.authJwksUri]: issuer.jwksUri,
    [SETTING.cursorKeys]: await devCursorKeys(dev.dataDir),
    // Azurite's well-known development key (from Azurite itself): local only, never in Azure.
    [SETTING.attachmentsBlobServiceUri]: azurite.blobServiceUri,
    [SETTING.attachmentsAccountKey]: azurite.accountKey,
  };
  const database = createCosmosDatabase(parseSettings(values));
  await ensureLocalDatabase(database);
  await seedDemoData(database);

  const routes = devIssuerRoutes(issuer);
  const server = createServer((req, res) => {
    routes(req, res).then(
      (answered) => {
        if (!answered) res.writeHead(404).end();
      },
      () => {
        if (!res.headersSent) res.writeHead(500).end();
      },
    );
  });
  await new Promise<void>((listening) => server.listen(dev.port, 'localhost', listening));

  console.log('Local services are running. Put these in local.settings.json "Values", then run `func start`:');
  console.log(JSON.stringify(values, null, 2));
  console.log(`Tokens: PORT=${dev.port} npm run -s token -- <role>`);

  const stop = async () => {
    server.close();
    await azurite.close();
    await cosmos.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
