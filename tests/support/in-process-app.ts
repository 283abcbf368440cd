/**
 * The app's HTTP pipeline in this process, without a Functions host: the real endpoint specs
 * (functions/*.ts register them), `runEndpoint` with the process's services from the composition
 * root, real token verification against the dev issuer's key set served on loopback, and the real
 * @azure/cosmos client talking HTTP to an embedded database whose every request is tallied from
 * the database's side (dev/cosmos request observer). What round-trip tests and the pipeline
 * overhead benchmark need: exact Cosmos request counts per API call, and the pipeline alone.
 *
 * One per process: the composition root builds the process's services once (configureServices
 * before the first call), so a test file or the benchmark starts it once and closes it at the end.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import functions, { type HttpResponseInit } from '@azure/functions';
import type { Role } from '../../shared/auth/roles.js';
import { COSMOS_DATABASE_DEFAULT, TOPICS } from '../../shared/config/entities.js';
import { SETTING } from '../../shared/config/settings.js';
import { REGISTERED_ENDPOINTS, runEndpoint, type AnyEndpointSpec } from '../../shared/http/endpoint.js';
import { taskEventSchema, type TaskEvent } from '../../shared/schemas/event.js';
import { configureServices, servicesForProcess, type CacheOptions, type Services } from '../../shared/services.js';
import { countTaskEvent } from '../../shared/use-cases/count-task-event.js';
import { startEmbeddedCosmos, type EmbeddedCosmos } from '../../dev/cosmos/index.js';
import { RequestTally, type RequestCounts } from '../../dev/cosmos/request-log.js';
import { seedDemoData } from '../../dev/demo-data.js';
import { defaultDemoUser } from '../../dev/demo-users.js';
import { devIssuerRoutes, loadOrCreateDevIssuer, type DevIssuer } from '../../dev/issuer.js';
import { ensureLocalDatabase } from '../../dev/local-database.js';
import { startAzurite, type LocalBlobService } from '../../dev/azurite/index.js';
import { RecordingMessaging } from './recording-messaging.js';
import { makeTempDir, removeTempDir } from './temp-dir.js';

// CommonJS: Node's ES module loader does not see these two as named exports (the bundle and vitest do).
const { HttpRequest, InvocationContext } = functions;

/** Keeps what is sent; task events also go to the counters at once when `countEvents` is on. */
export class InProcessMessaging extends RecordingMessaging {
  countEvents: ((event: TaskEvent) => Promise<unknown>) | undefined;

  constructor() {
    super();
    this.deliver = async (entity, message) => {
      if (this.countEvents && entity === TOPICS.taskEvents.name) await this.countEvents(taskEventSchema.parse(message.body) as TaskEvent);
    };
  }
}

export interface CallInit {
  method?: string;
  /** Path and query after /api, e.g. `/v1/tasks?limit=20`. */
  url: string;
  params?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface InProcessApp {
  services: Services;
  messaging: InProcessMessaging;
  /** Requests to the app's database, counted by the database. */
  tally: RequestTally;
  issuer: DevIssuer;
  /** A dev-issuer token for the first demo user of a role. */
  token(role: Role): Promise<string>;
  spec(name: string): AnyEndpointSpec;
  /** Runs one endpoint through the whole pipeline, as a role (or unauthenticated). */
  call(name: string, init: CallInit, as?: Role): Promise<HttpResponseInit>;
  /** Calls `run` and returns the database requests it caused (the tally is reset first). */
  count(run: () => Promise<unknown>): Promise<RequestCounts>;
  close(): Promise<void>;
}

/** `attachments`: also run Azurite (the Blob service) and register the note and attachment endpoints. */
export async function startInProcessApp(options: { caches?: CacheOptions; attachments?: boolean } = {}): Promise<InProcessApp> {
  const dataDir = makeTempDir('caseload-in-process-');
  const savedEnv = new Map<string, string | undefined>();
  const restoreEnv = () => {
    for (const [name, value] of savedEnv) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
  const tally = new RequestTally(COSMOS_DATABASE_DEFAULT);
  let cosmos: EmbeddedCosmos | undefined;
  let keys: Server | undefined;
  let azurite: LocalBlobService | undefined;
  try {
    cosmos = await startEmbeddedCosmos({ dataDir, fsync: false, log: () => {}, onRequest: tally.record });
    // The issuer's key set on loopback: the verifier fetches it once, as it fetches Entra's.
    let routes: ReturnType<typeof devIssuerRoutes> | undefined;
    keys = createServer((req, res) => {
      void (routes?.(req, res) ?? Promise.resolve(false)).then((answered) => {
        if (!answered) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => keys!.listen(0, '127.0.0.1', resolve));
    const issuer = await loadOrCreateDevIssuer({ dataDir, baseUrl: `http://127.0.0.1:${(keys.address() as AddressInfo).port}` });
    routes = devIssuerRoutes(issuer);

    // The settings the composition root reads; put back on close, so child processes started
    // later (the benchmark's local hosts) do not inherit them.
    const settings = {
      [SETTING.cosmosEndpoint]: cosmos.endpoint,
      [SETTING.cosmosKey]: cosmos.key,
      [SETTING.authIssuer]: issuer.issuer,
      [SETTING.authAudience]: issuer.audience,
      [SETTING.authJwksUri]: issuer.jwksUri,
      [SETTING.cursorKeys]: randomBytes(32).toString('base64'),
    };
    if (options.attachments) {
      azurite = await startAzurite({ dataDir });
      Object.assign(settings, { [SETTING.attachmentsBlobServiceUri]: azurite.blobServiceUri, [SETTING.attachmentsAccountKey]: azurite.accountKey });
    }
    for (const name of Object.keys(settings)) savedEnv.set(name, process.env[name]);
    Object.assign(process.env, settings);
    const messaging = new InProcessMessaging();
    configureServices({ messaging, ...(options.caches ? { caches: options.caches } : {}) });
    const services = servicesForProcess();
    await ensureLocalDatabase(services.database);
    await seedDemoData(services.database);
    messaging.countEvents = (event) => countTaskEvent(services, event);

    // The endpoints register themselves when their files load.
    await import('../../functions/tasks-get.js');
    await import('../../functions/tasks-list.js');
    await import('../../functions/tasks-patch.js');
    await import('../../functions/tasks-stats.js');
    if (options.attachments) {
      await import('../../functions/tasks-notes-create.js');
      await import('../../functions/tasks-notes-list.js');
      await import('../../functions/tasks-notes-redact.js');
      await import('../../functions/tasks-attachments-create.js');
      await import('../../functions/tasks-attachments-complete.js');
      await import('../../functions/tasks-attachments-list.js');
      await import('../../functions/tasks-attachments-get.js');
      await import('../../functions/tasks-attachments-delete.js');
    }

    const tokens = new Map<Role, string>();
    const token = async (role: Role) => {
      let signed = tokens.get(role);
      if (!signed) {
        const user = defaultDemoUser(role);
        signed = await issuer.signToken({ id: user.id, name: user.name, roles: [role] });
        tokens.set(role, signed);
      }
      return signed;
    };
    const spec = (name: string) => {
      const found = REGISTERED_ENDPOINTS.find((candidate) => candidate.name === name);
      if (!found) throw new Error(`no endpoint ${name} is registered`);
      return found;
    };
    let invocations = 0;
    const call = async (name: string, init: CallInit, as?: Role) => {
      const headers: Record<string, string> = { ...init.headers };
      if (as) headers.authorization = `Bearer ${await token(as)}`;
      if (init.body !== undefined) headers['content-type'] ??= 'application/json';
      const request = new HttpRequest({
        method: init.method ?? 'GET',
        url: `http://localhost/api${init.url}`,
        headers,
        params: init.params ?? {},
        ...(init.body === undefined ? {} : { body: { string: JSON.stringify(init.body) } }),
      });
      const invocation = new InvocationContext({ invocationId: `in-process-${++invocations}`, functionName: name, logHandler: () => {} });
      return runEndpoint(spec(name), request, invocation);
    };
    const opened = cosmos;
    const server = keys;
    const blobs = azurite;
    return {
      services,
      messaging,
      tally,
      issuer,
      token,
      spec,
      call,
      async count(run) {
        tally.take();
        await run();
        return tally.take();
      },
      async close() {
        restoreEnv();
        await opened.close();
        await blobs?.close();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        removeTempDir(dataDir);
      },
    };
  } catch (error) {
    restoreEnv();
    await cosmos?.close();
    await azurite?.close();
    keys?.close();
    removeTempDir(dataDir);
    throw error;
  }
}
