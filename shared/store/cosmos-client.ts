import { CosmosClient, type CosmosClientOptions, type Database, type PluginConfig } from '@azure/cosmos';
import { managedIdentityCredential } from '../config/azure-credential.js';
import type { Settings } from '../config/settings.js';
import { operationTelemetry, requestTelemetry } from './cosmos-telemetry.js';

/**
 * How long the app waits for the database. The SDK's defaults suit batch jobs, not requests: each
 * HTTP attempt may take 60 s, throttled requests are retried for up to 30 s, and with endpoint
 * discovery on, a timed-out read is retried on "another region" up to 120 times. A request that
 * waits that long has long been given up on by its caller (and by API Management), so:
 *
 * - `requestTimeoutMs`: one HTTP attempt. A point operation takes milliseconds and the largest
 *   query page tens of them, so 3 s is only ever reached when something is wrong.
 * - `throttleRetries`, `throttleWaitSeconds`: a 429 is retried after the wait Cosmos asks for
 *   (`x-ms-retry-after-ms`), up to 5 times, and no new wait starts once the waits add up to 2 s.
 * - `operationMs`: the hard bound on one operation, every attempt and wait included, enforced by
 *   aborting it (operationDeadline). It also cuts the SDK's own failover retries short.
 *
 * A database call that exhausts its budget fails with a retryable error, which the repositories
 * turn into 503 + Retry-After (cosmos-errors.ts). A request makes a few database calls one after
 * the other (directory entry, read, conditioned write, outbox clear), so a request against a
 * database that answers nothing at all ends after its first call's budget, about 3-5 s.
 */
export const COSMOS_BUDGET = {
  requestTimeoutMs: 3_000,
  throttleRetries: 5,
  throttleWaitSeconds: 2,
  operationMs: 5_000,
} as const;

/** The error an operation over its budget fails with. */
export class CosmosBudgetExceededError extends Error {
  override readonly name = 'CosmosBudgetExceededError';
  readonly code = 'OperationBudgetExceeded';
  constructor(ms: number) {
    super(`The database operation did not finish within its ${ms} ms budget`);
  }
}

/**
 * An SDK plugin around each operation (the SDK runs `operation` plugins once per API call, around
 * all its retries). `plugins` is an option the SDK reads but leaves out of its public typings
 * (marked hidden), hence the cast where it is passed; @azure/cosmos is pinned to ~4.9, and the
 * fault-proxy tests (a slow, throttled database) fail if the deadline stops working. The plugin: it hands the operation an abort signal that fires at the deadline, so the
 * request in flight is cancelled and no further retry starts, and stops waiting at the deadline
 * even while the SDK sleeps between retries.
 */
export function operationDeadline(ms: number): PluginConfig {
  return {
    on: 'operation',
    plugin: async (context, _diagnostics, next) => {
      const deadline = new AbortController();
      const callerSignal = context.options?.abortSignal;
      context.options = { ...context.options, abortSignal: callerSignal ? AbortSignal.any([callerSignal, deadline.signal]) : deadline.signal };
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          deadline.abort();
          reject(new CosmosBudgetExceededError(ms));
        }, ms);
      });
      const running = next(context);
      running.catch(() => undefined);
      try {
        return await Promise.race([running, expired]);
      } catch (error) {
        throw deadline.signal.aborted && !callerSignal?.aborted ? new CosmosBudgetExceededError(ms) : error;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * One CosmosClient per process (it pools connections and caches routing). In Azure it
 * authenticates with the function app's managed identity through Cosmos data-plane RBAC: the
 * account has local (key) auth disabled. A key is only ever set for the local embedded database.
 */
export function createCosmosDatabase(settings: Settings): Database {
  const { endpoint, key, database } = settings.cosmos;
  const local = endpoint.startsWith('http://');
  const options: CosmosClientOptions & { plugins: PluginConfig[] } = {
    endpoint,
    ...(key
      ? { key }
      : { aadCredentials: managedIdentityCredential(settings.managedIdentityClientId) }),
    connectionPolicy: {
      // The embedded database is a single plain-HTTP endpoint with no regions to discover.
      enableEndpointDiscovery: !local,
      requestTimeout: COSMOS_BUDGET.requestTimeoutMs,
      retryOptions: {
        maxRetryAttemptCount: COSMOS_BUDGET.throttleRetries,
        fixedRetryIntervalInMilliseconds: 0,
        maxWaitTimeInSeconds: COSMOS_BUDGET.throttleWaitSeconds,
      },
    },
    // Telemetry outside the deadline, so a dependency span covers the whole operation (cosmos-telemetry.ts).
    plugins: [operationTelemetry(database), operationDeadline(COSMOS_BUDGET.operationMs), requestTelemetry()],
    userAgentSuffix: 'caseload',
  };
  return new CosmosClient(options).database(database);
}
