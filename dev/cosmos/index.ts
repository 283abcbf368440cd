/**
 * An embedded, crash-safe, Cosmos-compatible database for local development:
 * @vercel/cosmosdb-server's in-memory engine served over plain HTTP, with a
 * journal + snapshot so every acknowledged write survives a restart or a
 * crash (kill -9) of the process. The real @azure/cosmos client works against
 * it with embeddedCosmosClientOptions().
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CosmosClientOptions } from '@azure/cosmos';
import { createRequestHandler } from './handler.js';
import type { CosmosRequestRecord } from './request-log.js';
import { loadDataDir, Store } from './store.js';
import type { Account } from './upstream.js';

export interface EmbeddedCosmos {
  /** http://HOST:PORT */
  endpoint: string;
  /** A base64 string the client accepts; the server does not check it. */
  key: string;
  /**
   * Creates documents straight in the in-memory database (no HTTP; journaled like any write), for
   * loading large test or benchmark data quickly. Resolves once they are durable.
   */
  importDocuments(database: string, container: string, documents: readonly Record<string, unknown>[]): Promise<number>;
  /** Stops serving, flushes, writes a snapshot and releases the data folder. */
  close(): Promise<void>;
}

export interface EmbeddedCosmosOptions {
  /** Persistence folder, created if missing; one server per folder at a time. */
  dataDir: string;
  /** Default 0 (any free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * fdatasync the journal before acknowledging a write (default true). With
   * false, writes still reach the OS before the response, so they survive a
   * crash of this process but not of the machine.
   */
  fsync?: boolean;
  /** Journal size that triggers a snapshot + journal reset (default 16 MiB). */
  compactAfterBytes?: number;
  /** Where warnings go (default console.error). */
  log?: (message: string, err?: unknown) => void;
  /**
   * Told about every request served (operation, database, container, status, documents), after
   * its response: how tests and the benchmark count the client's round trips from outside the app.
   */
  onRequest?: (record: CosmosRequestRecord) => void;
}

export type { CosmosOperation, CosmosRequestRecord } from './request-log.js';

/** Any base64 string will do: the server does not authenticate. */
const KEY = Buffer.from('caseload-embedded-cosmos-not-a-secret').toString('base64');
const DEFAULT_COMPACT_AFTER = 16 * 1024 * 1024;
/** Longer than the client's idle sockets live, so a reused socket is not closed under it. */
const KEEP_ALIVE_MS = 65_000;
/** How long close() lets in-flight requests finish before cutting connections. */
const CLOSE_GRACE_MS = 2_000;

export async function startEmbeddedCosmos(options: EmbeddedCosmosOptions): Promise<EmbeddedCosmos> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? ((message: string, err?: unknown) => (err === undefined ? console.error(message) : console.error(message, err)));
  // Read (and lock) the folder before opening a port, so a bad folder fails early.
  const loaded = loadDataDir({
    dataDir: options.dataDir,
    fsync: options.fsync ?? true,
    compactAfterBytes: options.compactAfterBytes ?? DEFAULT_COMPACT_AFTER,
    log,
  });

  // The Account needs the listening address, so requests that arrive before
  // it is built wait for it.
  let store: Store | undefined;
  let accountReady!: (account: Account) => void;
  const account = new Promise<Account>((resolve) => (accountReady = resolve));
  const server = createServer(
    { keepAlive: true },
    createRequestHandler({
      account: () => store?.account ?? account,
      barrier: () => store?.barrier(),
      log,
      onRequest: options.onRequest,
    }),
  );
  server.keepAliveTimeout = KEEP_ALIVE_MS;

  let port: number;
  try {
    port = await listen(server, options.port ?? 0, host);
    // Same naming rule as upstream's createAccount.
    const accountHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
    store = new Store(loaded, accountHost, port);
    accountReady(store.account);
  } catch (err) {
    server.close();
    loaded.lock.release();
    throw err;
  }

  const opened = store;
  let closing: Promise<void> | undefined;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    endpoint: `http://${urlHost}:${port}`,
    key: KEY,
    importDocuments: (database, container, documents) => opened.importDocuments(database, container, documents),
    close: () => (closing ??= stop(server).then(() => opened.close())),
  };
}

/** Client options that work against it: no endpoint discovery (the account advertises https URLs it does not serve). */
export function embeddedCosmosClientOptions(db: EmbeddedCosmos): CosmosClientOptions {
  return {
    endpoint: db.endpoint,
    key: db.key,
    connectionPolicy: { enableEndpointDiscovery: false },
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    server.closeIdleConnections();
  });
}
