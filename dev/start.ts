/**
 * `npm start`: the whole app on this machine with no Azure account and no Docker.
 *
 * Order matters: the registration capture must be in place before anything loads
 * `@azure/functions`, so it is the first import; the functions themselves load last, through
 * the host.
 */
import './functions-host/register.js';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SETTING, loadSettings } from '../shared/config/settings.js';
import { createCosmosDatabase } from '../shared/store/cosmos-client.js';
import { seedDemoData } from './demo-data.js';
import { DEMO_USERS } from './demo-users.js';
import { resolveDevSettings } from './dev-settings.js';
import { startEmbeddedCosmos, type EmbeddedCosmos } from './cosmos/index.js';
import { startFunctionsHost } from './functions-host/index.js';
import { devIssuerRoutes, loadOrCreateDevIssuer } from './issuer.js';
import { ensureLocalDatabase } from './local-database.js';

const projectDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function main(): Promise<void> {
  const dev = resolveDevSettings();
  const log = (line: string) => console.log(line);

  // A real Cosmos account can be used instead of the embedded one by setting its endpoint.
  let embedded: EmbeddedCosmos | undefined;
  if (!process.env[SETTING.cosmosEndpoint]) {
    embedded = await startEmbeddedCosmos({ dataDir: join(dev.dataDir, 'cosmos') });
    process.env[SETTING.cosmosEndpoint] = embedded.endpoint;
    process.env[SETTING.cosmosKey] = embedded.key;
  }

  const issuer = await loadOrCreateDevIssuer({ dataDir: dev.dataDir, baseUrl: dev.baseUrl });
  process.env[SETTING.authIssuer] ??= issuer.issuer;
  process.env[SETTING.authAudience] ??= issuer.audience;
  process.env[SETTING.authJwksUri] ??= issuer.jwksUri;

  const database = createCosmosDatabase(loadSettings());
  if (embedded) {
    await ensureLocalDatabase(database);
    const seeded = await seedDemoData(database);
    if (seeded > 0) log(`Seeded ${seeded} demo tasks.`);
  }

  const host = await startFunctionsHost({ port: dev.port, host: 'localhost', projectDir, extraRoutes: devIssuerRoutes(issuer), log });

  log('');
  log(`Caseload is running at ${host.apiBaseUrl}/v1  (${host.functions.length} functions)`);
  log(`Data folder: ${dev.dataDir}${embedded ? '' : ' (using the Cosmos account in ' + SETTING.cosmosEndpoint + ')'}`);
  log('Get a token for a demo user, then call the API:');
  log(`  TOKEN=$(npm run -s token -- manager)`);
  log(`  curl -H "Authorization: Bearer $TOKEN" ${host.apiBaseUrl}/v1/tasks`);
  log(`Roles: ${[...new Set(DEMO_USERS.map((user) => user.role))].join(', ')}. Press Ctrl+C to stop.`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping.`);
    await host.close();
    await embedded?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
