/**
 * `npm start`: the whole app on this machine with no Azure account and no Docker.
 *
 * Order matters: the registration capture must be in place before anything loads
 * `@azure/functions`, so it is the first import; the functions themselves load last, through
 * the host.
 */
import './functions-host/register.js';
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { COSMOS_DATABASE_DEFAULT } from '../shared/config/entities.js';
import { SCHEDULE_DEFAULTS, SETTING, loadSettings } from '../shared/config/settings.js';
import type { SecretSource } from '../shared/config/secret-source.js';
import { createCosmosDatabase } from '../shared/store/cosmos-client.js';
import { startAzurite, type LocalBlobService } from './azurite/index.js';
import { startCosmosFaultProxy, type CosmosFaultProxy } from './cosmos/fault-proxy.js';
import { startEmbeddedCosmos } from './cosmos/index.js';
import { cosmosRequestRoutes } from './cosmos/request-admin.js';
import { RequestTally } from './cosmos/request-log.js';
import { seedDemoData } from './demo-data.js';
import { DEMO_USERS } from './demo-users.js';
import { devCursorKeys } from './dev-secrets.js';
import { DEV_SETTING, resolveDevSettings } from './dev-settings.js';
import { lineWriter } from './line-writer.js';
import { startFunctionsHost } from './functions-host/index.js';
import { DEV_DOCS_CLIENT_ID, devIssuerRoutes, loadOrCreateDevIssuer } from './issuer.js';
import { ensureLocalDatabase } from './local-database.js';
import { LOCAL_NOTIFY_PATH, startLocalNotify } from './notify/index.js';
import { DEV_NOTIFY_TEMPLATES } from './notify/templates.js';
import { PACKAGE_BUNDLE, PACKAGE_DIR, type BundleExports } from './package/layout.js';
import { forgetRunningHost, recordRunningHost } from './running-host.js';
import { LocalBrokerMessaging } from './service-bus/local-broker-messaging.js';
import { startLocalBroker } from './service-bus/index.js';

/** The local host runs the deployment package (`npm run package`), the same folder azd deploys. */
const appDir = PACKAGE_DIR;

async function main(): Promise<void> {
  const dev = resolveDevSettings();
  // One line per invocation, written once per event-loop turn rather than one synchronous write each.
  const log = lineWriter();
  if (!existsSync(join(appDir, 'package.json'))) {
    throw new Error(`No deployment package in ${appDir}: build it with \`npm run package\` (npm start does).`);
  }

  // The embedded database always runs: it also keeps the local broker's messages. The app's own
  // data goes to a real Cosmos account instead when its endpoint is set. Its requests to the app's
  // database are counted (GET/DELETE /admin/cosmos/requests): round trips seen from outside the app.
  const tally = new RequestTally(process.env[SETTING.cosmosDatabase] || COSMOS_DATABASE_DEFAULT);
  const embedded = await startEmbeddedCosmos({
    dataDir: join(dev.dataDir, 'cosmos'),
    // A fixed port only when asked for (tests reach the database directly); else any free one.
    port: process.env[DEV_SETTING.cosmosPort] ? dev.cosmosPort : 0,
    onRequest: tally.record,
  });
  const useEmbeddedForApp = !process.env[SETTING.cosmosEndpoint];
  // Asked for (CASELOAD_COSMOS_FAULT_PROXY=1): the app reaches its database through a proxy that
  // injects throttling, outages, latency and dropped connections on demand (/admin/cosmos/faults).
  let faultProxy: CosmosFaultProxy | undefined;
  if (dev.cosmosFaultProxy) {
    if (useEmbeddedForApp) faultProxy = await startCosmosFaultProxy({ upstream: embedded.endpoint, log });
    else log(`${DEV_SETTING.cosmosFaultProxy} is ignored: the app uses the Cosmos account set by ${SETTING.cosmosEndpoint}.`);
  }
  if (useEmbeddedForApp) {
    process.env[SETTING.cosmosEndpoint] = faultProxy?.endpoint ?? embedded.endpoint;
    process.env[SETTING.cosmosKey] = embedded.key;
  }

  const issuer = await loadOrCreateDevIssuer({ dataDir: dev.dataDir, baseUrl: dev.baseUrl });
  process.env[SETTING.authIssuer] ??= issuer.issuer;
  process.env[SETTING.authAudience] ??= issuer.audience;
  process.env[SETTING.authJwksUri] ??= issuer.jwksUri;
  // Browser sign-in (the docs page's Authorize) through the dev issuer, when it is the issuer in use.
  if (process.env[SETTING.authIssuer] === issuer.issuer) {
    process.env[SETTING.authAuthorizationUrl] ??= issuer.authorizationEndpoint;
    process.env[SETTING.authTokenUrl] ??= issuer.tokenEndpoint;
    process.env[SETTING.docsClientId] ??= DEV_DOCS_CLIENT_ID;
  }
  // Cursor MAC keys: a derived local key unless set (tests set their own to forge cursors).
  process.env[SETTING.cursorKeys] ??= await devCursorKeys(dev.dataDir);

  // Service Bus triggers here are fed by the local broker, so the app must publish to it too.
  if (process.env[SETTING.serviceBusNamespace]) {
    log(`${SETTING.serviceBusNamespace} is ignored by the local host: it runs its own broker (use Core Tools for a real namespace).`);
    delete process.env[SETTING.serviceBusNamespace];
  }
  for (const [name, schedule] of Object.entries(SCHEDULE_DEFAULTS)) process.env[name] ??= schedule;

  // Emails go to the local Notify-compatible API (dev/notify) unless NOTIFY_BASE_URL names another
  // (then the key comes from Key Vault: KEY_VAULT_URI and NOTIFY_API_KEY_SECRET_NAME, as in Azure).
  const localNotify = !process.env[SETTING.notifyBaseUrl];
  const notify = localNotify ? startLocalNotify({ dataDir: dev.dataDir, log }) : undefined;
  if (localNotify) {
    process.env[SETTING.notifyBaseUrl] = `${dev.baseUrl}${LOCAL_NOTIFY_PATH}`;
    process.env[SETTING.notifyTemplateTaskAssigned] ??= DEV_NOTIFY_TEMPLATES.taskAssigned.id;
    process.env[SETTING.notifyTemplateTaskReassigned] ??= DEV_NOTIFY_TEMPLATES.taskReassigned.id;
    process.env[SETTING.notifyTemplateTaskCancelled] ??= DEV_NOTIFY_TEMPLATES.taskCancelled.id;
    process.env[SETTING.notifyTemplateOverdueDigest] ??= DEV_NOTIFY_TEMPLATES.overdueDigest.id;
    process.env[SETTING.notifyTemplateBulkReassignment] ??= DEV_NOTIFY_TEMPLATES.bulkReassignment.id;
  }
  process.env[SETTING.taskLinkBaseUrl] ??= `${dev.baseUrl}/api/v1/tasks`;
  // The operations console signs in against the dev issuer, which takes any client id.
  process.env[SETTING.consoleClientId] ??= 'caseload-console';

  // Attachments go to Azurite (the Azure Storage emulator) unless a Blob service is named; it starts
  // beside the host and the same code signs its SAS URLs, with its account key instead of a user
  // delegation key (docs/attachments.md).
  let azurite: LocalBlobService | undefined;
  if (!process.env[SETTING.attachmentsBlobServiceUri]) {
    azurite = await startAzurite({ dataDir: dev.dataDir, port: dev.azuritePort, log });
    process.env[SETTING.attachmentsBlobServiceUri] = azurite.blobServiceUri;
    process.env[SETTING.attachmentsAccountKey] = azurite.accountKey;
  }

  const database = createCosmosDatabase(loadSettings());
  if (useEmbeddedForApp) {
    await ensureLocalDatabase(database);
    const seeded = await seedDemoData(database);
    if (seeded > 0) log(`Seeded ${seeded} demo tasks.`);
  }

  const broker = await startLocalBroker({ cosmos: { endpoint: embedded.endpoint, key: embedded.key }, projectDir: appDir, log });
  const issuerRoutes = devIssuerRoutes(issuer);
  const requestRoutes = cosmosRequestRoutes(tally);
  const extraRoutes = async (req: IncomingMessage, res: ServerResponse) =>
    (await issuerRoutes(req, res)) ||
    requestRoutes(req, res) ||
    (await broker.handle(req, res)) ||
    (faultProxy ? await faultProxy.handle(req, res) : false) ||
    (notify ? notify.handle(req, res) : false);
  // The app sends to the embedded broker through an adapter injected into its composition root:
  // the same bundle instance the host loads next (one module per URL), configured before any invocation.
  const bundle = (await import(pathToFileURL(join(appDir, PACKAGE_BUNDLE)).href)) as BundleExports;
  // Likewise the Notify API key: in Azure a Key Vault secret; here the local Notify's current key,
  // read on each call so a rotation (POST /admin/notifications/api-key/rotate) is picked up after a 403.
  const notifyApiKey: SecretSource | undefined = notify ? { description: 'the local Notify service key', read: async () => notify.apiKey() } : undefined;
  bundle.configureServices({ messaging: new LocalBrokerMessaging(`${dev.baseUrl}/admin/service-bus`), ...(notifyApiKey ? { notifyApiKey } : {}) });
  const host = await startFunctionsHost({ port: dev.port, host: 'localhost', projectDir: appDir, extraRoutes, log, oneLinePerInvocation: true });
  broker.attach(host);
  // `npm run token` finds this host (and its issuer) through the data folder, whatever its port.
  recordRunningHost(dev.dataDir, dev.baseUrl);
  // Deliver whatever is waiting in task outboxes now (the demo data's creation events, or events
  // a crash left behind) rather than at the relay's first scheduled run.
  await host.runFunction('outbox-relay').catch((error: unknown) => log(`Initial outbox relay failed: ${String(error)}`));

  log('');
  log(`Caseload is running at ${host.apiBaseUrl}/v1  (${host.functions.length} functions from the deployment package ${relative(process.cwd(), appDir) || appDir})`);
  log(`Data folder: ${dev.dataDir}${useEmbeddedForApp ? '' : ` (app data in the Cosmos account set by ${SETTING.cosmosEndpoint})`}`);
  if (faultProxy) log(`The app reaches its database through the fault proxy: PUT ${dev.baseUrl}/admin/cosmos/faults (see dev/cosmos/README.md).`);
  if (notify) log(`Emails go to a local GOV.UK Notify-compatible API; see them at ${dev.baseUrl}/admin/notifications`);
  if (azurite) log(`Attachments are stored in Azurite (Blob service ${azurite.blobServiceUri}, data in ${relative(process.cwd(), join(dev.dataDir, 'azurite')) || dev.dataDir}).`);
  log(`API docs: ${host.apiBaseUrl}/docs (Authorize signs in as a demo user)`);
  log('Get a token for a demo user, then call the API:');
  // The token command finds this host through its data folder: name the folder if it is not the default.
  const dataDirHint = process.env[DEV_SETTING.dataDir] ? `${DEV_SETTING.dataDir}=${dev.dataDir} ` : '';
  log(`  TOKEN=$(${dataDirHint}npm run -s token -- manager)`);
  log(`  curl -H "Authorization: Bearer $TOKEN" ${host.apiBaseUrl}/v1/tasks`);
  log(`Roles: ${[...new Set(DEMO_USERS.map((user) => user.role))].join(', ')}. Press Ctrl+C to stop.`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping.`);
    forgetRunningHost(dev.dataDir);
    // Broker first: it must not start new invocations while the host shuts down.
    await broker.close();
    await host.close();
    await faultProxy?.close();
    await azurite?.close();
    await embedded.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
